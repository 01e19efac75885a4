// One evaluation: header, criteria and verdicts, metrics with intervals, per-group
// table, confusion matrix, curves, limitations and warnings, and "compare with…".
// The index record comes first; the full result (a run artifact) fills in the rest.
import { api, type EvaluationRecord, type EvaluationResult } from "../api";
import { useApi } from "../datasets/useApi";
import { CompareWith } from "../evaluation/CompareWith";
import { ConfusionMatrix } from "../evaluation/ConfusionMatrix";
import { Curves } from "../evaluation/Curves";
import { EvaluationHeader } from "../evaluation/EvaluationHeader";
import { GroupTable } from "../evaluation/GroupTable";
import { MetricsTable } from "../evaluation/MetricsTable";
import { Verdicts } from "../evaluation/Verdicts";
import "../datasets/datasets.css";
import "../run/run.css";
import "../evaluation/evaluation.css";

function Limitations({ record, result }: { record: EvaluationRecord; result: EvaluationResult | null }) {
  const texts = result ? result.limitations.map((l) => l.text) : record.limitations;
  if (texts.length === 0) return <p class="muted">None recorded.</p>;
  return <ul class="limitations" aria-label="Limitations">{texts.map((t, i) => <li key={i}>{t}</li>)}</ul>;
}

function ResultSections({ record, result }: { record: EvaluationRecord; result: EvaluationResult }) {
  return (
    <>
      <section>
        <h2>Metrics</h2>
        <MetricsTable metrics={result.metrics} methods={result.methods} />
      </section>
      <section>
        <h2>Groups</h2>
        <GroupTable groups={result.groups} worst={result.worst} />
      </section>
      {result.confusion_matrix && result.confusion_matrix.length > 0 && (
        <section>
          <h2>Confusion matrix</h2>
          <ConfusionMatrix counts={result.confusion_matrix} labels={result.labels} />
        </section>
      )}
      <section>
        <h2>Curves</h2>
        <Curves curves={result.curves} />
      </section>
      <section>
        <h2>Limitations</h2>
        <Limitations record={record} result={result} />
      </section>
      {result.warnings.length > 0 && (
        <section>
          <h2>Warnings</h2>
          <ul class="eval-warnings" aria-label="Warnings">{result.warnings.map((w, i) => <li key={i} class="warn">{w}</li>)}</ul>
        </section>
      )}
    </>
  );
}

export function EvaluationPage({ id }: { id: string }) {
  const record = useApi(() => api.evaluation(id), [id]);
  const sha = record.data?.result_sha256 ?? null;
  const criteriaId = record.data?.criteria_id ?? null;
  const result = useApi(() => (sha ? api.evaluationResult(sha) : Promise.resolve(null)), [sha]);
  const criteria = useApi(() => (criteriaId ? api.criteriaSet(criteriaId) : Promise.resolve(null)), [criteriaId]);
  if (record.error) return <p class="error" role="alert">{record.error}</p>;
  if (record.data === null) return <p class="loading">Loading evaluation…</p>;
  const full = result.data;
  return (
    <article class="catalog run evaluation">
      <EvaluationHeader record={record.data} result={full} />
      <CompareWith record={record.data} />
      <section>
        <h2>Criteria and verdicts</h2>
        <Verdicts verdicts={full?.verdicts ?? record.data.verdicts} criteria={criteria.data} />
      </section>
      {result.error && <p class="error" role="alert">The full result could not be read: {result.error}</p>}
      {full ? <ResultSections record={record.data} result={full} /> : !result.error && <p class="loading">Loading the full result…</p>}
    </article>
  );
}

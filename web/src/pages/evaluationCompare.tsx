// Two evaluations side by side: /evaluations/compare?a=ID&b=ID.
import { api } from "../api";
import { useApi } from "../datasets/useApi";
import { CompareMetrics, CompareSide } from "../evaluation/CompareView";
import "../datasets/datasets.css";
import "../run/run.css";
import "../evaluation/evaluation.css";

export function EvaluationComparePage({ params }: { params: URLSearchParams }) {
  const a = params.get("a") ?? "";
  const b = params.get("b") ?? "";
  const comparison = useApi(() => (a && b ? api.compareEvaluations(a, b) : Promise.resolve(null)), [a, b]);
  if (!a || !b) return <p class="error" role="alert">Name two evaluations to compare: /evaluations/compare?a=ID&amp;b=ID</p>;
  if (comparison.error) return <p class="error" role="alert">{comparison.error}</p>;
  if (comparison.data === null) return <p class="loading">Loading comparison…</p>;
  const { data } = comparison;
  return (
    <article class="catalog run evaluation-compare">
      <h1>Compare evaluations</h1>
      <div class="compare-sides">
        <CompareSide side={data.a} label="a" />
        <CompareSide side={data.b} label="b" />
      </div>
      {data.notes.length > 0 && (
        <ul class="compare-notes" aria-label="Notes">{data.notes.map((n, i) => <li key={i} class="warn">{n}</li>)}</ul>
      )}
      <section>
        <h2>Metrics</h2>
        <CompareMetrics metrics={data.metrics} />
      </section>
    </article>
  );
}

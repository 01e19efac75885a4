// An evaluation's header: status badge, what was evaluated (target, dataset, run) and
// how (n, seed, resamples, confidence).
import type { EvaluationRecord, EvaluationResult } from "../api";
import { formatCount, formatTime, shortDigest } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { StatusBadge } from "./StatusBadge";
import { parseModelTarget } from "./target";

export function TargetLink({ target }: { target: string | null }) {
  const model = parseModelTarget(target);
  if (!target) return <span class="muted">no target</span>;
  if (!model) return <span>{target}</span>;
  return <RouteLink href={`/models/${encodeURIComponent(model.name)}`} class="target-link">{model.name} v{model.version}</RouteLink>;
}

export function DatasetLink({ name, digest }: { name: string; digest: string }) {
  return (
    <RouteLink href={`/datasets/${encodeURIComponent(name)}`} class="dataset-link" title={digest}>
      {name} <code>{shortDigest(digest)}</code>
    </RouteLink>
  );
}

export function EvaluationHeader({ record, result }: { record: EvaluationRecord; result: EvaluationResult | null }) {
  return (
    <div class="eval-head">
      <h1>
        Evaluation <StatusBadge status={record.status} />
      </h1>
      <dl class="facts">
        <div class="fact"><dt>target</dt><dd><TargetLink target={record.target} /></dd></div>
        <div class="fact"><dt>dataset</dt><dd><DatasetLink name={record.dataset_name} digest={record.dataset_digest} /></dd></div>
        <div class="fact"><dt>run</dt><dd><RouteLink href={`/runs/${encodeURIComponent(record.run_id)}`} class="run-link">{record.run_id}</RouteLink></dd></div>
        <div class="fact"><dt>task</dt><dd>{record.task}</dd></div>
        <div class="fact"><dt>n</dt><dd data-fact="n">{formatCount(record.n)}</dd></div>
        {result && <div class="fact"><dt>seed</dt><dd data-fact="seed">{result.seed}</dd></div>}
        {result && <div class="fact"><dt>resamples</dt><dd data-fact="resamples">{formatCount(result.n_resamples)}</dd></div>}
        {result && <div class="fact"><dt>confidence</dt><dd data-fact="confidence">{result.confidence * 100}%</dd></div>}
        <div class="fact"><dt>when</dt><dd>{formatTime(record.time)}</dd></div>
        <div class="fact"><dt>id</dt><dd><code>{record.id}</code></dd></div>
      </dl>
    </div>
  );
}

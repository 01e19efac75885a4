// A comparison of two evaluations: per metric both values with their intervals on one
// shared scale, the difference, and a mark where the intervals do not overlap.
import type { ComparedEvaluation, MetricComparison } from "../api";
import { RouteLink } from "../datasets/RouteLink";
import { formatCount } from "../datasets/format";
import { DatasetLink, TargetLink } from "./EvaluationHeader";
import { IntervalBar, ScaleEnds } from "./IntervalBar";
import { formatInterval, formatValue, scaleFor } from "./scale";
import { StatusBadge } from "./StatusBadge";
import { evaluationUrl } from "./target";

export function CompareSide({ side, label }: { side: ComparedEvaluation; label: string }) {
  return (
    <div class={`compare-side side-${label}`} data-side={label}>
      <h2><span class={`side-key series-${label}`}>{label.toUpperCase()}</span> <StatusBadge status={side.status} /></h2>
      <dl class="key-values">
        <div><dt>evaluation</dt><dd><RouteLink href={evaluationUrl(side.id)}>{side.id}</RouteLink></dd></div>
        <div><dt>target</dt><dd><TargetLink target={side.target} /></dd></div>
        <div><dt>dataset</dt><dd><DatasetLink name={side.dataset} digest={side.digest} /></dd></div>
        <div><dt>run</dt><dd><RouteLink href={`/runs/${encodeURIComponent(side.run_id)}`}>{side.run_id}</RouteLink></dd></div>
        <div><dt>n</dt><dd>{formatCount(side.n)}</dd></div>
      </dl>
    </div>
  );
}

function signed(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "—";
  return `${v > 0 ? "+" : ""}${formatValue(v)}`;
}

function MetricRow({ row }: { row: MetricComparison }) {
  const scale = scaleFor([row.a.low, row.a.high, row.a.value, row.b.low, row.b.high, row.b.value]);
  return (
    <tr data-metric={row.metric} class={row.clear ? "clear" : ""}>
      <td>{row.metric}</td>
      <td class="num side-a">{formatValue(row.a.value)} <span class="muted">{formatInterval(row.a)}</span></td>
      <td class="num side-b">{formatValue(row.b.value)} <span class="muted">{formatInterval(row.b)}</span></td>
      <td class="bar-cell pair">
        <IntervalBar estimate={row.a} scale={scale} series="a" />
        <IntervalBar estimate={row.b} scale={scale} series="b" />
        <ScaleEnds scale={scale} />
      </td>
      <td class="num difference">{signed(row.difference)}</td>
      <td class="clear-mark">{row.clear ? <span class="clear-flag" title="the intervals do not overlap">clear</span> : <span class="muted">within intervals</span>}</td>
    </tr>
  );
}

export function CompareMetrics({ metrics }: { metrics: MetricComparison[] }) {
  if (metrics.length === 0) return <p class="muted">No metric in common.</p>;
  return (
    <table class="eval-compare" aria-label="Metrics compared">
      <thead>
        <tr><th>metric</th><th class="num">A [interval]</th><th class="num">B [interval]</th><th>A and B on one scale</th><th class="num">B − A</th><th>difference</th></tr>
      </thead>
      <tbody>{metrics.map((m) => <MetricRow key={m.metric} row={m} />)}</tbody>
    </table>
  );
}

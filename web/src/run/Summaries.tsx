// One row per metric: last, min, max, count, steps.
import type { MetricSummary } from "../api";
import { formatNumber } from "./format";

export function Summaries({ summaries }: { summaries: Record<string, MetricSummary> }) {
  const keys = Object.keys(summaries).sort();
  if (keys.length === 0) return <p class="muted">No metrics logged.</p>;
  return (
    <table class="summaries">
      <thead>
        <tr><th>metric</th><th>last</th><th>min</th><th>max</th><th>count</th><th>last step</th></tr>
      </thead>
      <tbody>
        {keys.map((key) => {
          const s = summaries[key];
          return (
            <tr key={key}>
              <td>{key}</td>
              <td>{formatNumber(s.last)}</td>
              <td>{formatNumber(s.min)}</td>
              <td>{formatNumber(s.max)}</td>
              <td>{s.count}</td>
              <td>{s.last_step}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

// The overall metrics: value, interval, a bar on [0, 1] (or the metric's own range),
// and how each interval was made.
import type { Estimate, IntervalMethod } from "../api";
import { IntervalBar } from "./IntervalBar";
import { formatInterval, formatValue, scaleFor } from "./scale";

/** "bootstrap-stratified, 200 resamples, seed 0, 95%" from a method entry. */
export function methodText(m: IntervalMethod | undefined): string {
  if (!m || typeof m.method !== "string") return "";
  const parts = [m.method];
  if (typeof m.resamples === "number") parts.push(`${m.resamples} resamples`);
  if (typeof m.seed === "number") parts.push(`seed ${m.seed}`);
  if (typeof m.level === "number") parts.push(`${Math.round(m.level * 1000) / 10}%`);
  return parts.join(", ");
}

interface Props {
  metrics: Record<string, Estimate>;
  methods: Record<string, unknown>;
}

export function MetricsTable({ metrics, methods }: Props) {
  const names = Object.keys(metrics).sort();
  if (names.length === 0) return <p class="muted">No metrics.</p>;
  return (
    <table class="eval-metrics" aria-label="Metrics">
      <thead><tr><th>metric</th><th class="num">value</th><th class="num">interval</th><th>on its scale</th><th>method</th></tr></thead>
      <tbody>
        {names.map((name) => {
          const e = metrics[name];
          const scale = scaleFor([e.low, e.high, e.value], true);
          return (
            <tr key={name} data-metric={name}>
              <td>{name}</td>
              <td class="num value">{formatValue(e.value)}</td>
              <td class="num interval">{formatInterval(e)}</td>
              <td class="bar-cell"><IntervalBar estimate={e} scale={scale} /></td>
              <td class="method muted">{methodText(methods[name] as IntervalMethod | undefined)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

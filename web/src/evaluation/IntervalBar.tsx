// A small horizontal bar: the interval as a line, the point estimate as a dot, and
// optionally a threshold as a vertical mark, all on a given scale.
import type { Estimate } from "../api";
import { barGeometry, formatInterval, formatValue, type Scale } from "./scale";

interface Props {
  estimate: Estimate;
  scale: Scale;
  threshold?: number | null;
  /** Colours the interval by a verdict (pass / fail / inconclusive). */
  tone?: string;
  /** Series (e.g. "a" / "b" in a comparison). */
  series?: string;
}

export function IntervalBar({ estimate, scale, threshold, tone, series }: Props) {
  const g = barGeometry(scale, estimate, threshold);
  const label = `${formatValue(estimate.value)} ${formatInterval(estimate)}${threshold != null ? ` vs threshold ${threshold}` : ""}`;
  return (
    <span class={`ibar${tone ? ` ${tone}` : ""}${series ? ` series-${series}` : ""}`} role="img" aria-label={label} title={label}>
      {g.from !== null && g.to !== null && (
        <span class="ibar-line" style={{ left: `${g.from}%`, width: `${Math.max(g.to - g.from, 0.5)}%` }} />
      )}
      {g.point !== null && <span class="ibar-point" style={{ left: `${g.point}%` }} />}
      {g.threshold !== null && <span class="ibar-threshold" data-threshold={threshold} style={{ left: `${g.threshold}%` }} />}
    </span>
  );
}

/** The domain ends of a scale, under a column of bars. */
export function ScaleEnds({ scale }: { scale: Scale }) {
  return (
    <span class="ibar-ends">
      <span>{formatValue(scale.min)}</span>
      <span>{formatValue(scale.max)}</span>
    </span>
  );
}

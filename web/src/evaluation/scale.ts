// Where intervals and thresholds sit on a small horizontal bar: a linear scale from
// a value domain to 0–100 (% of the bar's width).
import type { Estimate } from "../api";

export interface Scale {
  min: number;
  max: number;
  /** The position of *v* in % of the width, clamped to [0, 100]. */
  at: (v: number) => number;
}

export function linearScale(min: number, max: number): Scale {
  const span = max - min || 1;
  return { min, max, at: (v) => Math.min(100, Math.max(0, ((v - min) / span) * 100)) };
}

const finite = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * A scale that shows all of *values* with a margin; when they all lie in [0, 1] (rates,
 * AUCs) the domain stays inside [0, 1]. *whole* shows the full [0, 1] for such values.
 */
export function scaleFor(values: (number | null | undefined)[], whole = false): Scale {
  const xs = values.filter(finite);
  if (xs.length === 0) return linearScale(0, 1);
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  const unit = lo >= 0 && hi <= 1;
  if (unit && whole) return linearScale(0, 1);
  const pad = Math.max((hi - lo) * 0.15, Math.abs(hi) * 0.02, 0.01);
  lo -= pad;
  hi += pad;
  if (unit) {
    lo = Math.max(0, lo);
    hi = Math.min(1, hi);
  } else if (Math.min(...xs) >= 0) {
    lo = Math.max(0, lo);
  }
  return linearScale(lo, hi);
}

export interface BarGeometry {
  /** The interval line, in % (null without both bounds). */
  from: number | null;
  to: number | null;
  point: number | null;
  threshold: number | null;
}

/** The positions of an estimate's interval, point and an optional threshold on *scale*. */
export function barGeometry(scale: Scale, e: Estimate, threshold?: number | null): BarGeometry {
  const pos = (v: number | null | undefined) => (finite(v) ? scale.at(v) : null);
  const both = finite(e.low) && finite(e.high);
  return {
    from: both ? pos(Math.min(e.low!, e.high!)) : null,
    to: both ? pos(Math.max(e.low!, e.high!)) : null,
    point: pos(e.value),
    threshold: pos(threshold),
  };
}

/** A number as short text: 3 significant digits, "—" when unknown. */
export function formatValue(v: number | null | undefined): string {
  if (!finite(v)) return "—";
  if (v === 0) return "0";
  return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
}

/** "[0.81, 0.86]" or "" without bounds. */
export function formatInterval(e: Estimate): string {
  return finite(e.low) && finite(e.high) ? `[${formatValue(e.low)}, ${formatValue(e.high)}]` : "";
}

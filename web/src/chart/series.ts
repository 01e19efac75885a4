// Pure data shaping for MetricChart: server buckets → uPlot's columnar arrays.
// Each bucket keeps min and max, so a band drawn between them never hides a spike;
// the line goes through each bucket's last value.
import type { Buckets } from "../api";

export type Value = number | null;

/** One run's bucketed metric as plot columns (x = the bucket's last step). */
export interface RunSeries {
  x: number[];
  line: Value[];
  lo: Value[];
  hi: Value[];
}

/** A value fit to draw: NaN and ±inf are skipped (null); on a log axis so is anything ≤ 0. */
export function plottable(value: number, log = false): Value {
  if (!Number.isFinite(value)) return null;
  return log && value <= 0 ? null : value;
}

/** What a chart's x axis measures: the step, wall-clock time, or time since the start. */
export type XAxis = "step" | "time" | "relative";

/** The x of each bucket: its last step, its time in seconds (uPlot's time scale), or the
 * seconds since the metric's first point. Without times from the server, steps. */
export function bucketX(b: Buckets, axis: XAxis): number[] {
  if (axis === "step" || !b.time_end) return b.step_end.slice();
  const origin = axis === "relative" ? (b.time_first ?? b.time_end[0] ?? 0) : 0;
  return b.time_end.map((t) => (t - origin) / 1000);
}

/** The plot columns of one run's buckets. */
export function bucketsToSeries(b: Buckets, log = false, axis: XAxis = "step"): RunSeries {
  return {
    x: bucketX(b, axis),
    line: b.last.map((v) => plottable(v, log)),
    lo: b.min.map((v) => plottable(v, log)),
    hi: b.max.map((v) => plottable(v, log)),
  };
}

/**
 * Exponential moving average (TensorBoard-style *weight* in [0, 1); 0 = no smoothing).
 * Gaps stay gaps and do not reset the average.
 */
export function ema(values: Value[], weight: number): Value[] {
  if (weight <= 0) return values;
  let smoothed: number | null = null;
  return values.map((v) => {
    if (v === null) return null;
    smoothed = smoothed === null ? v : smoothed * weight + (1 - weight) * v;
    return smoothed;
  });
}

/**
 * Several runs on one shared x axis, as uPlot wants: [x, line₀, lo₀, hi₀, line₁, …].
 * Steps a run lacks are null (drawn across with spanGaps).
 */
export function alignRuns(runs: RunSeries[]): [number[], ...Value[][]] {
  const xs = [...new Set(runs.flatMap((r) => r.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns: Value[][] = [];
  for (const run of runs) {
    const line: Value[] = new Array(xs.length).fill(null);
    const lo: Value[] = new Array(xs.length).fill(null);
    const hi: Value[] = new Array(xs.length).fill(null);
    run.x.forEach((x, i) => {
      const at = index.get(x)!;
      line[at] = run.line[i];
      lo[at] = run.lo[i];
      hi[at] = run.hi[i];
    });
    columns.push(line, lo, hi);
  }
  return [xs, ...columns];
}

/** The [from, to] step range a drag across pixel positions selects (whole steps). */
export function stepRange(a: number, b: number): [number, number] {
  return [Math.floor(Math.min(a, b)), Math.ceil(Math.max(a, b))];
}

export interface Readout {
  step: number;
  values: { label: string; value: number | null }[];
}

/** The step and each run's line value at data index *index* of an aligned plot
 * (columns: x, then line/min/max per run), for the readout under the cursor. */
export function readout(aligned: ArrayLike<number | null | undefined>[], labels: string[], index: number | null): Readout | null {
  if (index === null || index < 0 || index >= (aligned[0]?.length ?? 0)) return null;
  const value = (column: ArrayLike<number | null | undefined> | undefined) => {
    const v = column?.[index];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  };
  return {
    step: Number(aligned[0][index]),
    values: labels.map((label, i) => ({ label, value: value(aligned[1 + i * 3]) })),
  };
}

// What the parallel-coordinates and scatter plots can put on an axis: a param, or a
// metric's last value. Ids ("p:lr", "m:loss") keep the two apart in the URL.
import type { Run } from "../api";
import { differs, unionKeys, type Cell } from "./values";

export interface Dimension {
  id: string;
  label: string;
  kind: "param" | "metric";
  cell: (run: Run) => Cell;
}

export function paramDimensions(runs: Run[]): Dimension[] {
  return unionKeys(runs.map((r) => r.params)).map((key) => ({
    id: `p:${key}`,
    label: key,
    kind: "param",
    cell: (run: Run) => (key in run.params ? run.params[key] : undefined),
  }));
}

export function metricDimensions(runs: Run[]): Dimension[] {
  return unionKeys(runs.map((r) => r.summaries)).map((key) => ({
    id: `m:${key}`,
    label: key,
    kind: "metric",
    cell: (run: Run) => run.summaries[key]?.last,
  }));
}

/** The default axes: params that vary across the runs, then metrics every run has a
 * finite last value of, at most *limit*. */
export function defaultAxes(runs: Run[], limit = 6): string[] {
  const varying = paramDimensions(runs).filter((d) => differs(runs.map(d.cell)));
  const finite = metricDimensions(runs).filter((d) => runs.every((run) => Number.isFinite(d.cell(run))));
  return [...varying, ...finite].slice(0, limit).map((d) => d.id);
}

// The table's rows as one flat list (group headers and runs), and keyboard movement
// over the run rows in it.
import type { Run } from "../api";
import { groupRuns, type RunGroup } from "./grouping";

export type Row = { kind: "group"; group: RunGroup } | { kind: "run"; run: Run };

export function tableRows(runs: Run[], groupBy: string, metricColumns: string[]): Row[] {
  if (!groupBy) return runs.map((run) => ({ kind: "run", run }));
  return groupRuns(runs, groupBy, metricColumns).flatMap((group): Row[] => [
    { kind: "group", group },
    ...group.runs.map((run): Row => ({ kind: "run", run })),
  ]);
}

/** The index of the next run row from *from* in direction *step* (±1), or *from* if none. */
export function nextRunRow(rows: Row[], from: number, step: 1 | -1): number {
  for (let i = from + step; i >= 0 && i < rows.length; i += step) if (rows[i].kind === "run") return i;
  return from;
}

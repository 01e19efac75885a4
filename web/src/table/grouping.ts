// Grouping runs by a param or tag, with count and mean/min/max of the metric columns.
import type { Run } from "../api";
import { fieldValue, parseField } from "./fields";

export interface Aggregate {
  mean: number;
  min: number;
  max: number;
  count: number;
}

export interface RunGroup {
  value: string; // the group's value as text; "" for runs that lack the field
  runs: Run[];
  aggregates: Record<string, Aggregate>; // by metric column name, for columns with any value
}

/** mean/min/max of the finite numbers in *values*, or null when there are none. */
export function aggregate(values: unknown[]): Aggregate | null {
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (numbers.length === 0) return null;
  const sum = numbers.reduce((a, b) => a + b, 0);
  return { mean: sum / numbers.length, min: Math.min(...numbers), max: Math.max(...numbers), count: numbers.length };
}

function groupKey(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Groups *runs* by column *by*, keeping the runs' order and the groups' first appearance. */
export function groupRuns(runs: Run[], by: string, metricColumns: string[]): RunGroup[] {
  const field = parseField(by);
  if (!field) return [{ value: "", runs, aggregates: {} }];
  const groups = new Map<string, Run[]>();
  for (const run of runs) {
    const key = groupKey(fieldValue(run, field));
    const list = groups.get(key);
    if (list) list.push(run);
    else groups.set(key, [run]);
  }
  return [...groups].map(([value, members]) => {
    const aggregates: Record<string, Aggregate> = {};
    for (const column of metricColumns) {
      const metric = parseField(column);
      const result = metric && aggregate(members.map((run) => fieldValue(run, metric)));
      if (result) aggregates[column] = result;
    }
    return { value, runs: members, aggregates };
  });
}

// Comparing param and summary values across runs: key unions, equality that treats
// NaN as equal to NaN and compares nested configs by content, and display text.
import type { Json, Run } from "../api";

/** A run's value for one row; undefined where the run lacks the key. */
export type Cell = Json | undefined;

/** Every key of any of the records, sorted, each once. */
export function unionKeys(records: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) keys.add(key);
  return [...keys].sort();
}

/** Deep equality of JSON values; NaN equals NaN, key order does not matter. */
export function sameValue(a: Cell, b: Cell): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameValue(item, b[i]));
  }
  const keys = unionKeys([a, b]);
  return keys.every((key) => key in a && key in b && sameValue(a[key], b[key]));
}

/** Whether the cells of a row are not all the same (a missing cell differs from any value). */
export function differs(cells: Cell[]): boolean {
  return cells.some((cell) => !sameValue(cell, cells[0]));
}

/** Text for a cell: numbers compactly, strings bare, anything else as JSON. */
export function formatCell(cell: Cell): string {
  if (cell === undefined) return "—";
  if (typeof cell === "number") return formatNumber(cell);
  if (typeof cell === "string") return cell;
  return JSON.stringify(cell, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(6))) : value.toExponential(4);
}

export interface Row {
  section: "param" | "metric";
  label: string;
  cells: Cell[];
  differs: boolean;
}

const STATS = ["last", "min", "max"] as const;

/** One row per param key (union) and per metric summary statistic, with differences marked. */
export function compareRows(runs: Run[]): Row[] {
  const row = (section: Row["section"], label: string, cells: Cell[]): Row => ({ section, label, cells, differs: differs(cells) });
  const params = unionKeys(runs.map((run) => run.params)).map((key) =>
    row("param", key, runs.map((run) => (key in run.params ? run.params[key] : undefined))),
  );
  const metrics = unionKeys(runs.map((run) => run.summaries)).flatMap((key) =>
    STATS.map((stat) => row("metric", `${key} · ${stat}`, runs.map((run) => run.summaries[key]?.[stat] ?? undefined))),
  );
  return [...params, ...metrics];
}

/** Metric keys every run has logged (the ones worth overlaying). */
export function sharedMetricKeys(runs: Run[]): string[] {
  return unionKeys(runs.map((run) => run.summaries)).filter((key) => runs.every((run) => key in run.summaries));
}

// The per-group table's data: grouping levels, sorting, and which cells are worst.
import type { GroupCell, WorstCell } from "../api";

/** Metrics where a lower value is better (losses and calibration errors). */
export const LOWER_IS_BETTER = new Set(["brier", "ece", "log_loss", "mae", "mse", "rmse"]);

/** Grouping levels: single columns first, then intersections ("a & b"), each in key order. */
export function groupLevels(groups: Record<string, GroupCell[]>): string[] {
  const keys = Object.keys(groups);
  const depth = (k: string) => k.split(" & ").length;
  return keys.sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

/** The metric names found in any cell, in a stable order. */
export function cellMetrics(cells: GroupCell[]): string[] {
  const names = new Set<string>();
  for (const cell of cells) for (const name of Object.keys(cell.metrics)) names.add(name);
  return [...names].sort();
}

export type SortKey = "group" | "n" | string;

export interface Sort {
  key: SortKey;
  descending: boolean;
}

/** Cells sorted by group name, n, or a metric's value; unknown values always go last. */
export function sortCells(cells: GroupCell[], sort: Sort): GroupCell[] {
  const sign = sort.descending ? -1 : 1;
  const valueOf = (c: GroupCell): number | string | null => {
    if (sort.key === "group") return c.group;
    if (sort.key === "n") return c.n;
    const v = c.metrics[sort.key]?.value;
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  };
  return [...cells].sort((a, b) => {
    const x = valueOf(a);
    const y = valueOf(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === "string" || typeof y === "string") return sign * String(x).localeCompare(String(y));
    return sign * (x - y) || a.group.localeCompare(b.group);
  });
}

/** Clicking a column: a new one sorts worst (or smallest) first; the same one again flips. */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: LOWER_IS_BETTER.has(key) };
}

/** For each metric, the group at *level* that the result names worst ("metric" → group). */
export function worstAt(worst: Record<string, WorstCell[]>, level: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [metric, cells] of Object.entries(worst)) {
    const first = cells.find((c) => c.level === level);
    if (first) out.set(metric, first.group);
  }
  return out;
}

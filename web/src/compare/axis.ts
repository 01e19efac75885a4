// Axes for the parallel-coordinates and scatter plots: numeric values map linearly onto
// [0, 1], anything else (strings, booleans, nested configs) onto evenly spaced categories.
import type { Cell } from "./values";
import { formatCell, formatNumber } from "./values";

export type Axis =
  | { kind: "numeric"; min: number; max: number }
  | { kind: "categorical"; categories: string[] };

export interface Tick {
  /** Position on the axis, 0 (start) to 1 (end). */
  at: number;
  label: string;
}

const isPlottable = (cell: Cell): boolean => cell !== undefined && cell !== null && !(typeof cell === "number" && !Number.isFinite(cell));

/** The axis for a column of cells; missing, null and non-finite cells are left off it. */
export function buildAxis(cells: Cell[]): Axis {
  const present = cells.filter(isPlottable);
  if (present.every((cell) => typeof cell === "number")) {
    const numbers = present as number[];
    return numbers.length
      ? { kind: "numeric", min: Math.min(...numbers), max: Math.max(...numbers) }
      : { kind: "numeric", min: 0, max: 1 };
  }
  const categories = [...new Set(present.map(formatCell))].sort();
  return { kind: "categorical", categories };
}

/** Where *cell* sits on *axis*, from 0 to 1; null where it cannot be placed. */
export function normalise(axis: Axis, cell: Cell): number | null {
  if (!isPlottable(cell)) return null;
  if (axis.kind === "categorical") {
    const index = axis.categories.indexOf(formatCell(cell));
    if (index < 0) return null;
    return axis.categories.length === 1 ? 0.5 : index / (axis.categories.length - 1);
  }
  if (typeof cell !== "number") return null;
  return axis.max === axis.min ? 0.5 : (cell - axis.min) / (axis.max - axis.min);
}

/** Round numbers (1, 2 or 5 × 10^k) spanning [min, max], about *count* of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  // The multiplier nearest (geometrically) to the raw step, as d3's ticks do.
  const step = power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1);
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Labelled ticks along *axis*: round numbers inside a numeric range, or every category. */
export function axisTicks(axis: Axis, count = 5): Tick[] {
  if (axis.kind === "categorical") return axis.categories.map((label) => ({ at: normalise(axis, label) ?? 0.5, label }));
  if (axis.max === axis.min) return [{ at: 0.5, label: formatNumber(axis.min) }];
  return niceTicks(axis.min, axis.max, count).map((v) => ({ at: normalise(axis, v) ?? 0, label: formatNumber(v) }));
}

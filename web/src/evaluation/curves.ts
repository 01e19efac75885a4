// Curve data for uPlot: points sorted by x (uPlot wants x ascending), with an
// optional y = x reference line over [0, 1].
import type uPlot from "uplot";

/** Columns [x, y] (and [x, y, diagonal]) sorted by x; pairs with an unknown value are dropped. */
export function curveColumns(xs: (number | null)[], ys: (number | null)[], diagonal = false): uPlot.AlignedData {
  const pairs: [number, number | null][] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i];
    const y = ys[i];
    if (typeof x === "number" && Number.isFinite(x) && typeof y === "number" && Number.isFinite(y)) pairs.push([x, y]);
  }
  if (diagonal) {
    if (!pairs.some(([x]) => x === 0)) pairs.push([0, null]);
    if (!pairs.some(([x]) => x === 1)) pairs.push([1, null]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const x = pairs.map((p) => p[0]);
  const y = pairs.map((p) => p[1]);
  return diagonal ? [x, y, x.slice()] : [x, y];
}

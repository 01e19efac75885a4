// Parallel coordinates: one vertical axis per chosen param or metric, one line per run.
import type { Run } from "../api";
import { runColor } from "../chart/palette";
import { axisTicks, buildAxis, normalise } from "./axis";
import type { Dimension } from "./dimensions";
import { formatCell } from "./values";

const HEIGHT = 300;
const PAD = { top: 36, bottom: 20, side: 60 };
const SPACING = 150;

/** SVG path through the points, broken where a run has no value on an axis. */
export function brokenPath(points: ([number, number] | null)[]): string {
  let path = "";
  let drawing = false;
  for (const point of points) {
    if (!point) { drawing = false; continue; }
    path += `${drawing ? "L" : "M"}${point[0].toFixed(1)},${point[1].toFixed(1)}`;
    drawing = true;
  }
  return path;
}

export function ParallelPlot({ runs, axes }: { runs: Run[]; axes: Dimension[] }) {
  const width = PAD.side * 2 + SPACING * Math.max(1, axes.length - 1);
  const x = (i: number) => PAD.side + SPACING * i;
  const y = (at: number) => PAD.top + (1 - at) * (HEIGHT - PAD.top - PAD.bottom);
  const scales = axes.map((d) => buildAxis(runs.map(d.cell)));
  return (
    <svg data-testid="parallel-coordinates" class="plot" width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`}
      role="img" aria-label={`Parallel coordinates over ${axes.map((d) => d.label).join(", ")}`}>
      {axes.map((d, i) => (
        <g key={d.id} class="axis">
          <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} />
          <text class="axis-label" x={x(i)} y={PAD.top - 16} text-anchor="middle">{d.label}</text>
          {axisTicks(scales[i], 4).map((t) => (
            <text key={t.label} class="tick" x={x(i) - 4} y={y(t.at)} text-anchor="end" dominant-baseline="middle">{t.label}</text>
          ))}
        </g>
      ))}
      {runs.map((run, r) => {
        const points = axes.map((d, i): [number, number] | null => {
          const at = normalise(scales[i], d.cell(run));
          return at === null ? null : [x(i), y(at)];
        });
        return (
          <path key={run.id} class="run-line" d={brokenPath(points)} stroke={runColor(r)}>
            <title>{`${run.name}: ${axes.map((d) => `${d.label}=${formatCell(d.cell(run))}`).join(", ")}`}</title>
          </path>
        );
      })}
    </svg>
  );
}

// A param against a metric's last value: one dot per run, in its colour, with ticks.
import type { Run } from "../api";
import { runColor } from "../chart/palette";
import { axisTicks, buildAxis, normalise } from "./axis";
import type { Dimension } from "./dimensions";
import { formatCell } from "./values";

const WIDTH = 520;
const HEIGHT = 340;
const PAD = { left: 64, right: 24, top: 16, bottom: 44 };
/** Dots keep off the frame: positions use the inner 90% of each axis. */
const INSET = 0.05;

/** Pixel position of a normalised value (0..1) between *start* and *end*. */
export function toPixel(at: number, start: number, end: number): number {
  return start + (INSET + at * (1 - 2 * INSET)) * (end - start);
}

interface Props {
  runs: Run[];
  x: Dimension;
  y: Dimension;
}

export function ScatterPlot({ runs, x, y }: Props) {
  const xAxis = buildAxis(runs.map(x.cell));
  const yAxis = buildAxis(runs.map(y.cell));
  const px = (at: number) => toPixel(at, PAD.left, WIDTH - PAD.right);
  const py = (at: number) => toPixel(at, HEIGHT - PAD.bottom, PAD.top);
  const missing = runs.filter((run) => normalise(xAxis, x.cell(run)) === null || normalise(yAxis, y.cell(run)) === null);
  return (
    <figure class="scatter-figure">
      <svg data-testid="scatter" class="plot" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img" aria-label={`${y.label} against ${x.label}`}>
        <rect class="frame" x={PAD.left} y={PAD.top} width={WIDTH - PAD.left - PAD.right} height={HEIGHT - PAD.top - PAD.bottom} />
        {axisTicks(xAxis).map((t) => (
          <g key={`x${t.label}`} class="tick">
            <line x1={px(t.at)} x2={px(t.at)} y1={HEIGHT - PAD.bottom} y2={HEIGHT - PAD.bottom + 4} />
            <text x={px(t.at)} y={HEIGHT - PAD.bottom + 16} text-anchor="middle">{t.label}</text>
          </g>
        ))}
        {axisTicks(yAxis).map((t) => (
          <g key={`y${t.label}`} class="tick">
            <line x1={PAD.left - 4} x2={PAD.left} y1={py(t.at)} y2={py(t.at)} />
            <text x={PAD.left - 6} y={py(t.at)} text-anchor="end" dominant-baseline="middle">{t.label}</text>
          </g>
        ))}
        <text class="axis-label" x={(PAD.left + WIDTH - PAD.right) / 2} y={HEIGHT - 6} text-anchor="middle">{x.label}</text>
        <text class="axis-label" transform={`translate(14 ${(PAD.top + HEIGHT - PAD.bottom) / 2}) rotate(-90)`} text-anchor="middle">{y.label}</text>
        {runs.map((run, i) => {
          const ax = normalise(xAxis, x.cell(run));
          const ay = normalise(yAxis, y.cell(run));
          if (ax === null || ay === null) return null;
          return (
            <circle key={run.id} class="dot" cx={px(ax)} cy={py(ay)} r={5} fill={runColor(i)}>
              <title>{`${run.name}: ${x.label}=${formatCell(x.cell(run))}, ${y.label}=${formatCell(y.cell(run))}`}</title>
            </circle>
          );
        })}
      </svg>
      <figcaption>
        {y.label} (last) against {x.label}
        {missing.length > 0 && ` · not shown, no value: ${missing.map((r) => r.name).join(", ")}`}
      </figcaption>
    </figure>
  );
}

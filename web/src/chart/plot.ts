// uPlot options for MetricChart: per run a line plus an invisible min/max pair filled as a band.
import uPlot from "uplot";
import { runColor, themeColor } from "./palette";

export interface PlotSetup {
  labels: string[];
  width: number;
  height: number;
  log: boolean;
  /** What x measures (wall-clock time gets dates on the axis). */
  axis?: "step" | "time" | "relative";
  /** Called with the x (step) range the user dragged across. */
  onZoom: (from: number, to: number) => void;
  /** Called with the data index under the cursor (null when it leaves the plot). */
  onHover?: (index: number | null) => void;
}

const axisStroke = () => themeColor("--muted");
const gridStroke = () => themeColor("--line");

function runSeries(label: string, index: number): uPlot.Series[] {
  const color = runColor(index);
  // Faint edges: a one-bucket spike is a thin line, too narrow for the band fill alone.
  const edge = { stroke: `${color}55`, width: 1, spanGaps: true, points: { show: false } };
  return [
    { label, stroke: color, width: 1.5, spanGaps: true, points: { show: false } },
    { ...edge, label: `${label} min` },
    { ...edge, label: `${label} max` },
  ];
}

function bands(count: number): uPlot.Band[] {
  return Array.from({ length: count }, (_, i) => ({
    series: [1 + i * 3 + 2, 1 + i * 3 + 1] as uPlot.Band.Bounds,
    fill: `${runColor(i)}33`,
  }));
}

export function plotOptions(setup: PlotSetup): uPlot.Options {
  const axis = { stroke: axisStroke, grid: { stroke: gridStroke, width: 1 }, ticks: { stroke: gridStroke, width: 1 } };
  return {
    width: setup.width,
    height: setup.height,
    legend: { show: false },
    scales: { x: { time: setup.axis === "time" }, y: { distr: setup.log ? 3 : 1 } },
    axes: [axis, { ...axis, size: 60 }],
    series: [{ label: "step" }, ...setup.labels.flatMap(runSeries)],
    bands: bands(setup.labels.length),
    cursor: { drag: { x: true, y: false, setScale: false } },
    hooks: {
      setCursor: [(u) => setup.onHover?.(u.cursor.idx ?? null)],
      setSelect: [
        (u) => {
          if (u.select.width > 2) {
            setup.onZoom(u.posToVal(u.select.left, "x"), u.posToVal(u.select.left + u.select.width, "x"));
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        },
      ],
    },
  };
}

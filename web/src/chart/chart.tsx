// MetricChart: one metric of one or more runs, overlaid (uPlot, fed columnar arrays).
// The server aggregates into as many buckets as the plot has pixels; each bucket's
// min–max is drawn as a band and its last value as the line, so spikes stay visible.
// Drag across x to fetch that step range at full resolution; double-click resets.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./chart.css";
import { alignRuns, bucketsToSeries, ema, readout, stepRange, type XAxis } from "./series";
import { plotOptions } from "./plot";
import { runColor } from "./palette";
import { useBuckets } from "./useBuckets";
import { useWidth } from "./useWidth";

export interface ChartRun {
  id: string;
  label: string;
}

export interface MetricChartProps {
  runs: ChartRun[];
  metric: string;
  /** Plot height in pixels (default 240). */
  height?: number;
  /** Change this value (e.g. a counter) to re-fetch the data, as live runs do. */
  refresh?: unknown;
}

export function MetricChart({ runs, metric, height = 240, refresh }: MetricChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const [range, setRange] = useState<[number, number] | null>(null);
  const [smoothing, setSmoothing] = useState(0);
  const [log, setLog] = useState(false);
  const [hover, setHover] = useState<number | null>(null);
  const [axis, setAxis] = useState<XAxis>("step");
  const { data, error } = useBuckets(runs.map((r) => r.id), metric, width, range, refresh, axis !== "step");

  const aligned = useMemo(() => {
    if (!data) return null;
    return alignRuns(
      data.map((b) => {
        const s = b ? bucketsToSeries(b, log, axis) : { x: [], line: [], lo: [], hi: [] };
        return { ...s, line: ema(s.line, smoothing) };
      }),
    );
  }, [data, log, smoothing, axis]);

  const labels = runs.map((r) => r.label);
  // zooming asks the server for a step range: only possible while x is the step
  const onZoom = (a: number, b: number) => axis === "step" && setRange(stepRange(a, b));
  usePlot(box, aligned, { labels, width, height, log, axis, onZoom, onHover: setHover });
  const under = aligned ? readout(aligned as ArrayLike<number | null>[], labels, hover) : null;

  return (
    <figure class="chart" data-metric={metric}>
      <figcaption>
        <span class="chart-title">{metric}</span>
        {range && <span class="chart-range">steps {range[0]}–{range[1]} (double-click to reset)</span>}
        <label>
          Smoothing
          <input type="range" aria-label="Smoothing" min={0} max={0.99} step={0.01} value={smoothing}
            onInput={(e) => setSmoothing(Number(e.currentTarget.value))} />
        </label>
        <label>
          x
          <select aria-label="X axis" value={axis} onChange={(e) => { setRange(null); setAxis(e.currentTarget.value as XAxis); }}>
            <option value="step">step</option>
            <option value="time">wall time</option>
            <option value="relative">relative time</option>
          </select>
        </label>
        <label>
          <input type="checkbox" aria-label="Log scale" checked={log} onChange={(e) => setLog(e.currentTarget.checked)} />
          Log
        </label>
      </figcaption>
      <div class="chart-plot" ref={box} style={{ minHeight: `${height}px` }} onDblClick={() => setRange(null)} />
      <p class="chart-readout">
        {under
          ? `${axisLabel(axis, under.step)}: ${under.values.map((v) => `${runs.length > 1 ? `${v.label} ` : ""}${v.value === null ? "—" : v.value.toPrecision(6)}`).join(" · ")}`
          : "\u00a0"}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      {runs.length > 1 && (
        <ul class="chart-legend">
          {runs.map((r, i) => (
            <li key={r.id} class={data && data[i] === null ? "missing" : undefined}>
              <span class="swatch" style={{ background: runColor(i) }} />
              {r.label}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

type Setup = Parameters<typeof plotOptions>[0];

/** Keep one uPlot in *box*: rebuilt when its shape changes, otherwise only fed new data. */
function usePlot(box: { current: HTMLElement | null }, data: uPlot.AlignedData | null, setup: Setup) {
  const plot = useRef<uPlot | null>(null);
  const onZoom = useRef(setup.onZoom);
  onZoom.current = setup.onZoom;
  const onHover = useRef(setup.onHover);
  onHover.current = setup.onHover;
  const shape = `${setup.labels.join("\n")}|${setup.log}|${setup.height}|${setup.axis}|${data !== null}`;
  useEffect(() => {
    if (!box.current || !data || setup.width <= 0) return;
    plot.current = new uPlot(
      plotOptions({ ...setup, onZoom: (a, b) => onZoom.current(a, b), onHover: (i) => onHover.current?.(i) }),
      data,
      box.current,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, setup.width > 0]);
  useEffect(() => {
    if (plot.current && data) plot.current.setData(data);
  }, [data]);
  useEffect(() => {
    // Axis colours come from the theme's CSS variables, read at draw time.
    const observer = new MutationObserver(() => plot.current?.redraw(false, true));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (plot.current && setup.width > 0) plot.current.setSize({ width: setup.width, height: setup.height });
  }, [setup.width]);
}

/** How the readout names the x under the cursor. */
function axisLabel(axis: XAxis, x: number): string {
  if (axis === "time") return new Date(x * 1000).toLocaleString();
  if (axis === "relative") return `${x.toFixed(1)} s`;
  return `step ${x}`;
}

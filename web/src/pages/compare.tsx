// Runs side by side (ids in the URL: /compare?run=A&run=B). The view's choices are in
// the URL too: diff=1 (only differences), axis=… (parallel axes), sx/sy (scatter).
import "../compare/compare.css";
import type { Run } from "../api";
import { AxisChooser } from "../compare/axisChooser";
import { defaultAxes, metricDimensions, paramDimensions } from "../compare/dimensions";
import { DiffTable } from "../compare/diffTable";
import { OverlaidCharts } from "../compare/overlaidCharts";
import { ParallelPlot } from "../compare/parallel";
import { RunList } from "../compare/runList";
import { ScatterPlot } from "../compare/scatter";
import { ScatterControls } from "../compare/scatterControls";
import { useRuns } from "../compare/useRuns";
import { sharedMetricKeys } from "../compare/values";
import { setViewParam } from "../compare/viewState";

export function ComparePage({ params }: { params: URLSearchParams }) {
  const ids = params.getAll("run");
  const { runs, error } = useRuns(ids);
  if (!ids.length) return <p>Choose runs to compare: <code>/compare?run=ID&amp;run=ID</code>.</p>;
  if (error) return <p class="error" role="alert">{error}</p>;
  if (runs === null) return <p class="loading">Loading {ids.length} runs…</p>;
  return (
    <article class="compare">
      <h1>Comparing {runs.length} runs</h1>
      <RunList runs={runs} />
      <DiffTable runs={runs} onlyDifferences={params.get("diff") === "1"}
        onToggle={(only) => setViewParam(params, "diff", only ? "1" : null)} />
      <OverlaidCharts runs={runs} />
      <Parallel runs={runs} params={params} />
      <Scatter runs={runs} params={params} />
    </article>
  );
}

function Parallel({ runs, params }: { runs: Run[]; params: URLSearchParams }) {
  const dimensions = [...paramDimensions(runs), ...metricDimensions(runs)];
  const chosen = params.has("axis") ? params.getAll("axis").filter((id) => id !== "") : defaultAxes(runs);
  const axes = chosen.map((id) => dimensions.find((d) => d.id === id)).filter((d) => d !== undefined);
  return (
    <section class="compare-parallel">
      <h2>Parallel coordinates</h2>
      <AxisChooser dimensions={dimensions} chosen={axes.map((d) => d.id)}
        onChange={(next) => setViewParam(params, "axis", next.length ? next : [""])} />
      {axes.length ? <ParallelPlot runs={runs} axes={axes} /> : <p class="loading">Choose at least one axis.</p>}
    </section>
  );
}

function Scatter({ runs, params }: { runs: Run[]; params: URLSearchParams }) {
  const xs = paramDimensions(runs);
  const ys = metricDimensions(runs);
  if (!xs.length || !ys.length) return null;
  const x = xs.find((d) => d.id === params.get("sx")) ?? xs.find((d) => defaultAxes(runs).includes(d.id)) ?? xs[0];
  const shared = sharedMetricKeys(runs).map((key) => `m:${key}`);
  const y = ys.find((d) => d.id === params.get("sy")) ?? ys.find((d) => shared.includes(d.id)) ?? ys[0];
  return (
    <section class="compare-scatter">
      <h2>Scatter</h2>
      <ScatterControls params={xs} metrics={ys} x={x.id} y={y.id} onChange={(axis, id) => setViewParam(params, axis, id)} />
      <ScatterPlot runs={runs} x={x} y={y} />
    </section>
  );
}

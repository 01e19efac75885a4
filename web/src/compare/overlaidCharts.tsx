// One overlaid chart per metric every compared run has logged.
import type { Run } from "../api";
import { MetricChart } from "../chart/chart";
import { sharedMetricKeys } from "./values";

export function OverlaidCharts({ runs }: { runs: Run[] }) {
  const keys = sharedMetricKeys(runs);
  const chartRuns = runs.map((run) => ({ id: run.id, label: run.name }));
  return (
    <section class="compare-charts">
      <h2>Metrics</h2>
      {keys.length === 0 && <p class="loading">These runs share no metric.</p>}
      <div class="chart-grid">
        {keys.map((key) => <MetricChart key={key} runs={chartRuns} metric={key} />)}
      </div>
    </section>
  );
}

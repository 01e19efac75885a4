// One run: facts, params, metric summaries and charts, notes, datasets, models,
// evaluations and artifacts.
// While the run is running it is polled and its charts re-fetched (see useRun).
import { useEffect, useState } from "preact/hooks";
import type { Identity } from "../api";
import { MetricChart } from "../chart/chart";
import { Artifacts } from "../run/Artifacts";
import { Datasets } from "../run/Datasets";
import { Console } from "../run/Console";
import { Environment } from "../run/Environment";
import { Evaluations } from "../run/Evaluations";
import { Models } from "../run/Models";
import { canEdit, Notes } from "../run/Notes";
import { ParamsView } from "../run/ParamsView";
import { RunHeader } from "../run/RunHeader";
import { Summaries } from "../run/Summaries";
import { useRun } from "../run/useRun";
import "../run/run.css";

export function RunPage({ runId, identity }: { runId: string; identity: Identity }) {
  const { run, error, tick, setRun } = useRun(runId);
  const [now, setNow] = useState(Date.now());
  useEffect(() => setNow(Date.now()), [tick]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (run === null) return <p class="loading">Loading run…</p>;
  const chartRuns = [{ id: run.id, label: run.name }];
  const metrics = Object.keys(run.summaries).sort();
  return (
    <article class="run">
      <RunHeader run={run} now={now} />
      <section>
        <h2>Notes</h2>
        <Notes run={run} editable={canEdit(identity, run.project)} onSaved={setRun} />
      </section>
      <section>
        <h2>Metrics</h2>
        <Summaries summaries={run.summaries} />
        <div class="charts">
          {metrics.map((key) => <MetricChart key={key} runs={chartRuns} metric={key} refresh={tick} />)}
        </div>
      </section>
      <section>
        <h2>Params</h2>
        <ParamsView params={run.params} />
      </section>
      <section>
        <h2>Datasets</h2>
        <Datasets runId={run.id} />
      </section>
      <section>
        <h2>Models</h2>
        <Models runId={run.id} project={run.project} />
      </section>
      <section>
        <h2>Evaluations</h2>
        <Evaluations runId={run.id} />
      </section>
      <section>
        <h2>Environment</h2>
        <Environment runId={run.id} />
      </section>
      <section>
        <h2>Console</h2>
        <Console runId={run.id} live={run.status === "running"} />
      </section>
      <section>
        <h2>Artifacts</h2>
        <Artifacts runId={run.id} refresh={run.status === "running" ? tick : 0} />
      </section>
    </article>
  );
}

// One run: its status, params and summaries.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Identity, type Run } from "../api";

export function RunPage({ runId }: { runId: string; identity: Identity }) {
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.run(runId).then(setRun, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [runId]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (run === null) return <p class="loading">Loading run…</p>;
  return (
    <article class="run">
      <h1>{run.name} <span class={`status ${run.status}`}>{run.status}</span></h1>
      <h2>Params</h2>
      <dl>{Object.entries(run.params).map(([k, v]) => <><dt>{k}</dt><dd>{JSON.stringify(v)}</dd></>)}</dl>
    </article>
  );
}

// The runs table: every run of the search, newest first (see the URL for the view).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Identity, type Run } from "../api";
import { navigate } from "../router";

export function RunsPage({ params }: { params: URLSearchParams; identity: Identity }) {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const q = params.get("q") ?? "";
  useEffect(() => {
    api.searchRuns({ q, limit: 1000 }).then(
      (page) => { setRuns(page.runs); setError(null); },
      (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)),
    );
  }, [q]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (runs === null) return <p class="loading">Loading runs…</p>;
  return (
    <table class="runs">
      <thead><tr><th>name</th><th>project</th><th>status</th></tr></thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td><a href={`/runs/${run.id}`} onClick={(e) => { e.preventDefault(); navigate(`/runs/${run.id}`); }}>{run.name}</a></td>
            <td>{run.project}</td>
            <td class={`status ${run.status}`}>{run.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

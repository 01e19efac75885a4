// The datasets a run read or produced: name and version (linking to the dataset
// page), role, read/produced, digest.
import { api } from "../api";
import { CopyButton } from "../datasets/CopyButton";
import { datasetUrl, shortDigest } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import "../datasets/datasets.css";

export function Datasets({ runId }: { runId: string }) {
  const { data, error } = useApi(() => api.runDatasets(runId), [runId]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (data === null) return <p class="loading">Loading datasets…</p>;
  if (data.length === 0) return <p class="muted">No datasets logged.</p>;
  return (
    <div class="catalog">
      <table class="run-datasets" aria-label="Datasets">
        <thead><tr><th>dataset</th><th>role</th><th>use</th><th>digest</th></tr></thead>
        <tbody>
          {data.map((use) => (
            <tr key={`${use.digest}:${use.direction}:${use.role}`} data-name={use.name}>
              <td><RouteLink href={datasetUrl(use.name, use.project, use.number)}>{use.name} v{use.number}</RouteLink></td>
              <td>{use.role ?? ""}</td>
              <td class={`direction ${use.direction}`}>{use.direction === "output" ? "produced" : "read"}</td>
              <td><code title={use.digest}>{shortDigest(use.digest)}</code> <CopyButton text={use.digest} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <p><RouteLink href={`/lineage?node=${encodeURIComponent(`run:${runId}`)}`}>Lineage of this run</RouteLink></p>
    </div>
  );
}

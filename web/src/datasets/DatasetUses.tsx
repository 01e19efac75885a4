// The runs that read or produced a dataset version, newest first, linking to each run.
import type { DatasetUse } from "../api";
import { formatTime } from "./format";
import { RouteLink } from "./RouteLink";

export function DatasetUses({ uses }: { uses: DatasetUse[] }) {
  if (uses.length === 0) return <p class="muted">No run has used this version.</p>;
  const sorted = [...uses].sort((a, b) => b.time - a.time);
  return (
    <table class="dataset-uses" aria-label="Runs that used it">
      <thead><tr><th>run</th><th>project</th><th>role</th><th>use</th><th>when</th></tr></thead>
      <tbody>
        {sorted.map((use) => (
          <tr key={`${use.run_id}:${use.direction}:${use.role}`} data-run-id={use.run_id}>
            <td><RouteLink href={`/runs/${encodeURIComponent(use.run_id)}`}>{use.run_name || use.run_id}</RouteLink></td>
            <td>{use.project}</td>
            <td>{use.role ?? ""}</td>
            <td class={`direction ${use.direction}`}>{use.direction === "output" ? "produced" : "read"}</td>
            <td>{formatTime(use.time)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

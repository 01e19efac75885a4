// The compared runs, each in its colour and linking to its own page.
import type { Run } from "../api";
import { runColor } from "../chart/palette";
import { navigate } from "../router";

export function RunList({ runs }: { runs: Run[] }) {
  return (
    <ul class="compare-runs" data-testid="compare-runs">
      {runs.map((run, i) => (
        <li key={run.id} style={{ "--run-color": runColor(i) }}>
          <span class="swatch" aria-hidden="true" />
          <a href={`/runs/${run.id}`} onClick={(e) => { e.preventDefault(); navigate(`/runs/${run.id}`); }}>{run.name}</a>
          <span class={`status ${run.status}`}>{run.status}</span>
        </li>
      ))}
    </ul>
  );
}

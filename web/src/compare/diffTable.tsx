// Params and metric summaries side by side, one column per run, differences marked.
import type { Run } from "../api";
import { runColor } from "../chart/palette";
import { compareRows, formatCell, type Row } from "./values";

interface Props {
  runs: Run[];
  onlyDifferences: boolean;
  onToggle: (only: boolean) => void;
}

function Section({ title, rows, span }: { title: string; rows: Row[]; span: number }) {
  if (!rows.length) return null;
  return (
    <tbody>
      <tr class="section"><th colSpan={span} scope="colgroup">{title}</th></tr>
      {rows.map((row) => (
        <tr key={row.label} class={row.differs ? "differs" : undefined}>
          <th scope="row">{row.label}</th>
          {row.cells.map((cell, i) => <td key={i} class={cell === undefined ? "missing" : undefined}>{formatCell(cell)}</td>)}
        </tr>
      ))}
    </tbody>
  );
}

export function DiffTable({ runs, onlyDifferences, onToggle }: Props) {
  const rows = compareRows(runs).filter((row) => row.differs || !onlyDifferences);
  return (
    <section class="compare-diff">
      <h2>Params and metrics</h2>
      <label class="toggle">
        <input type="checkbox" aria-label="Only differences" checked={onlyDifferences}
          onChange={(e) => onToggle(e.currentTarget.checked)} />
        Only differences
      </label>
      <div class="scroll">
        <table class="diff">
          <thead>
            <tr>
              <th scope="col">key</th>
              {runs.map((run, i) => <th key={run.id} scope="col" style={{ borderTopColor: runColor(i) }}>{run.name}</th>)}
            </tr>
          </thead>
          <Section title="Params" rows={rows.filter((r) => r.section === "param")} span={runs.length + 1} />
          <Section title="Metrics" rows={rows.filter((r) => r.section === "metric")} span={runs.length + 1} />
        </table>
      </div>
      {!rows.length && <p class="loading">No differences.</p>}
    </section>
  );
}

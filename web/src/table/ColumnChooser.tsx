// The column chooser: the param, metric and tag columns found in the loaded runs,
// each a checkbox; a filter narrows long lists.
import { useState } from "preact/hooks";

interface Props {
  available: string[];
  chosen: string[];
  onChange: (columns: string[]) => void;
}

export function ColumnChooser({ available, chosen, onChange }: Props) {
  const [filter, setFilter] = useState("");
  const all = [...new Set([...chosen, ...available])].sort();
  const shown = all.filter((c) => c.toLowerCase().includes(filter.toLowerCase()));
  const toggle = (column: string) =>
    onChange(chosen.includes(column) ? chosen.filter((c) => c !== column) : [...chosen, column]);
  return (
    <details class="column-chooser">
      <summary>Columns ({chosen.length})</summary>
      <div class="chooser-panel" role="group" aria-label="Columns">
        <input type="search" aria-label="Find column" placeholder="find…" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        {shown.length === 0 && <p class="muted">No param, metric or tag columns.</p>}
        <ul>
          {shown.map((column) => (
            <li key={column}>
              <label>
                <input type="checkbox" checked={chosen.includes(column)} onChange={() => toggle(column)} />
                {column}
              </label>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}

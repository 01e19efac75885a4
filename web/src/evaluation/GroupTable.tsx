// Metrics per group: pick a grouping level (a column or an intersection), sort by any
// metric, see n per cell; small cells are flagged with why, worst cells highlighted.
import { useState } from "preact/hooks";
import type { GroupCell, WorstCell } from "../api";
import { cellMetrics, groupLevels, nextSort, sortCells, worstAt, type Sort, type SortKey } from "./groups";
import { formatInterval, formatValue } from "./scale";

interface Props {
  groups: Record<string, GroupCell[]>;
  worst: Record<string, WorstCell[]>;
}

function Header({ label, sortKey, sort, onSort }: { label: string; sortKey: SortKey; sort: Sort; onSort: (k: SortKey) => void }) {
  const active = sort.key === sortKey;
  return (
    <th class={sortKey === "group" ? "" : "num"} aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}>
      <button type="button" class="sort" onClick={() => onSort(sortKey)}>
        {label}{active ? (sort.descending ? " ▼" : " ▲") : ""}
      </button>
    </th>
  );
}

function Row({ cell, metrics, worst }: { cell: GroupCell; metrics: string[]; worst: Map<string, string> }) {
  return (
    <tr data-group={cell.group} class={cell.small ? "small" : ""}>
      <td>
        {cell.group}
        {cell.small && (
          <span class="small-flag" title={cell.small_reasons.join("; ")}> ⚠ small{cell.small_reasons.length > 0 && `: ${cell.small_reasons.join("; ")}`}</span>
        )}
      </td>
      <td class="num n">{cell.n}</td>
      {metrics.map((m) => {
        const e = cell.metrics[m];
        const isWorst = worst.get(m) === cell.group;
        return (
          <td key={m} class={`num${isWorst ? " worst" : ""}`} data-metric={m} title={isWorst ? `worst ${m} at this level` : undefined}>
            {e ? formatValue(e.value) : "—"}
            {e && <span class="interval">{formatInterval(e)}</span>}
          </td>
        );
      })}
    </tr>
  );
}

export function GroupTable({ groups, worst }: Props) {
  const levels = groupLevels(groups);
  const [level, setLevel] = useState(levels[0] ?? "");
  const [sort, setSort] = useState<Sort>({ key: "group", descending: false });
  if (levels.length === 0) return <p class="muted">No groups were given to this evaluation.</p>;
  const current = levels.includes(level) ? level : levels[0];
  const cells = groups[current] ?? [];
  const metrics = cellMetrics(cells);
  const worstHere = worstAt(worst, current);
  return (
    <div class="group-table">
      <label class="catalog-toolbar">
        Grouping
        <select aria-label="Grouping level" value={current} onChange={(e) => setLevel(e.currentTarget.value)}>
          {levels.map((l) => <option key={l} value={l}>{l}</option>)}
        </select>
        <span class="muted">{cells.length} groups; click a column to sort; <span class="worst-key">highlighted</span>: the worst group for that metric</span>
      </label>
      <div class="scroll-x">
        <table class="eval-groups" aria-label="Groups">
          <thead>
            <tr>
              <Header label="group" sortKey="group" sort={sort} onSort={(k) => setSort(nextSort(sort, k))} />
              <Header label="n" sortKey="n" sort={sort} onSort={(k) => setSort(nextSort(sort, k))} />
              {metrics.map((m) => <Header key={m} label={m} sortKey={m} sort={sort} onSort={(k) => setSort(nextSort(sort, k))} />)}
            </tr>
          </thead>
          <tbody>{sortCells(cells, sort).map((c) => <Row key={c.group} cell={c} metrics={metrics} worst={worstHere} />)}</tbody>
        </table>
      </div>
    </div>
  );
}

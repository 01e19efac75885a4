// The runs table page: every run of the view in the URL (project, filter, sort,
// columns, grouping), live while runs are going, with selection for comparing.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Identity, Project } from "../api";
import { navigate } from "../router";
import { ColumnChooser } from "../table/ColumnChooser";
import { ATTRIBUTE_COLUMNS, QUERY_ATTRIBUTES, defaultColumns, discoverColumns } from "../table/fields";
import { FilterBox } from "../table/FilterBox";
import { tableRows } from "../table/rows";
import { fetchProjects } from "../table/runsApi";
import { RunsTable } from "../table/RunsTable";
import { useRuns } from "../table/useRuns";
import { toggleSort, viewFromParams, viewToUrl, type View } from "../table/view";
import "../table/table.css";

function useProjects(): Project[] {
  const [projects, setProjects] = useState<Project[]>([]);
  useEffect(() => void fetchProjects().then(setProjects, () => setProjects([])), []);
  return projects;
}

function compareUrl(ids: Iterable<string>): string {
  return `/compare?${[...ids].map((id) => `run=${encodeURIComponent(id)}`).join("&")}`;
}

export function RunsPage({ params }: { params: URLSearchParams; identity: Identity }) {
  const view = viewFromParams(params);
  const setView = (patch: Partial<View>) => navigate(viewToUrl({ ...view, ...patch }), true);
  const { runs, truncated, error, loading } = useRuns({ q: view.q, project: view.project, order: view.order });
  const projects = useProjects();
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const available = useMemo(() => (runs ? discoverColumns(runs) : []), [runs]);
  const fields = useMemo(() => [...QUERY_ATTRIBUTES, ...available], [available]);
  const groupable = available.filter((c) => c.startsWith("params.") || c.startsWith("tags."));
  // until columns are chosen (a `col` in the URL, even empty), show a few of each kind
  const chosen = params.has("col") ? view.columns : defaultColumns(available);
  const columns = [...ATTRIBUTE_COLUMNS, ...chosen.filter((c) => !ATTRIBUTE_COLUMNS.includes(c))];
  const metricColumns = chosen.filter((c) => c.startsWith("metrics."));
  const rows = useMemo(
    () => tableRows(runs ?? [], view.group, metricColumns),
    [runs, view.group, metricColumns.join("\n")],
  );

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const live = runs?.some((run) => run.status === "running");

  return (
    <div class="runs-page">
      <div class="runs-toolbar">
        <select aria-label="Project" value={view.project} onChange={(e) => setView({ project: e.currentTarget.value })}>
          <option value="">All projects</option>
          {projects.map((p) => <option key={p.name} value={p.name}>{p.name} ({p.run_count})</option>)}
          {view.project && !projects.some((p) => p.name === view.project) && <option value={view.project}>{view.project}</option>}
        </select>
        <FilterBox value={view.q} fields={fields} error={error} onApply={(q) => setView({ q })} />
        <ColumnChooser
          available={available}
          chosen={chosen}
          onChange={(columns) => setView({ columns: columns.length ? columns : [""] })}
        />
        <select aria-label="Group by" value={view.group} onChange={(e) => setView({ group: e.currentTarget.value })}>
          <option value="">No grouping</option>
          {[...new Set([view.group, ...groupable])].filter(Boolean).map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
        <button type="button" aria-label="Compare selected runs" disabled={selected.size < 2} onClick={() => navigate(compareUrl(selected))}>
          Compare ({selected.size})
        </button>
        {selected.size > 0 && <button type="button" onClick={() => setSelected(new Set())}>Clear selection</button>}
      </div>
      <p class="runs-summary" aria-live="polite">
        {runs === null ? (loading ? "Loading runs…" : "") : `${runs.length} ${runs.length === 1 ? "run" : "runs"}${truncated ? " (the first ones only)" : ""}`}
        {live && <span class="live"> · live</span>}
        {loading && runs !== null && <span class="muted"> · updating…</span>}
      </p>
      {runs !== null && (
        <RunsTable
          rows={rows}
          columns={columns}
          order={view.order}
          groupBy={view.group}
          selected={selected}
          onSort={(column) => setView({ order: toggleSort(view.order, column) })}
          onToggle={toggle}
          onToggleAll={(all) => setSelected(new Set(all ? (runs ?? []).map((run) => run.id) : []))}
          resetKey={JSON.stringify([view.project, view.q, view.order, view.group])}
        />
      )}
    </div>
  );
}

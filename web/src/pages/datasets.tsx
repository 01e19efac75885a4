// Every dataset the caller's projects have (names are namespaced per project): versions,
// runs and when last used, with a filter (?q=) on the name.
import { api, type DatasetSummary } from "../api";
import { datasetUrl, formatAgo, formatTime } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import { navigate } from "../router";
import "../datasets/datasets.css";

export function filterByName<T extends { name: string }>(items: T[], q: string): T[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  return items.filter((item) => words.every((w) => item.name.toLowerCase().includes(w)));
}

function DatasetsTable({ datasets }: { datasets: DatasetSummary[] }) {
  return (
    <table class="catalog-list datasets" aria-label="Datasets">
      <thead><tr><th>dataset</th><th>project</th><th>versions</th><th>runs</th><th>last used</th><th>first seen</th></tr></thead>
      <tbody>
        {datasets.map((d) => (
          <tr key={`${d.project}/${d.name}`} data-name={d.name} data-project={d.project}>
            <td><RouteLink href={datasetUrl(d.name, d.project)}>{d.name}</RouteLink></td>
            <td>{d.project}</td>
            <td class="num">{d.versions}</td>
            <td class="num">{d.runs}</td>
            <td title={formatTime(d.updated_at)}>{formatAgo(d.updated_at)}</td>
            <td>{formatTime(d.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DatasetsPage({ params }: { params: URLSearchParams }) {
  const { data, error } = useApi(() => api.datasets(), []);
  const q = params.get("q") ?? "";
  const setQuery = (text: string) => navigate(text ? `/datasets?q=${encodeURIComponent(text)}` : "/datasets", true);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (data === null) return <p class="loading">Loading datasets…</p>;
  const shown = filterByName([...data].sort((a, b) => b.updated_at - a.updated_at), q);
  return (
    <article class="catalog">
      <h1>Datasets</h1>
      <div class="catalog-toolbar">
        <input type="search" aria-label="Filter datasets" placeholder="Filter by name" value={q} onInput={(e) => setQuery(e.currentTarget.value)} />
        <span class="muted">{shown.length} of {data.length}</span>
      </div>
      {data.length === 0 ? (
        <p class="muted">No datasets yet. Log one with <code>run.log_dataset(df, "name")</code>.</p>
      ) : shown.length === 0 ? (
        <p class="muted">No dataset name matches “{q}”.</p>
      ) : (
        <DatasetsTable datasets={shown} />
      )}
    </article>
  );
}

// The model registry: every registered model with its project, latest version,
// aliases and last change; a filter (?q=) on the name.
import { api, type RegisteredModel } from "../api";
import { formatAgo, formatTime } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import { navigate } from "../router";
import { filterByName } from "./datasets";
import "../datasets/datasets.css";
import "../registry/registry.css";

export function AliasChips({ aliases }: { aliases: Record<string, number> }) {
  const entries = Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return null;
  return <ul class="chips">{entries.map(([alias, v]) => <li key={alias} class="chip alias">@{alias} → v{v}</li>)}</ul>;
}

function ModelsTable({ models }: { models: RegisteredModel[] }) {
  return (
    <table class="catalog-list models" aria-label="Models">
      <thead><tr><th>model</th><th>project</th><th>latest</th><th>aliases</th><th>updated</th></tr></thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.name} data-name={m.name}>
            <td><RouteLink href={`/models/${encodeURIComponent(m.name)}`}>{m.name}</RouteLink></td>
            <td>{m.project}</td>
            <td>{m.latest_version === null ? "—" : `v${m.latest_version}`}</td>
            <td><AliasChips aliases={m.aliases} /></td>
            <td title={formatTime(m.updated_at)}>{formatAgo(m.updated_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelsPage({ params }: { params: URLSearchParams }) {
  const { data, error } = useApi(() => api.models(), []);
  const q = params.get("q") ?? "";
  const setQuery = (text: string) => navigate(text ? `/models?q=${encodeURIComponent(text)}` : "/models", true);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (data === null) return <p class="loading">Loading models…</p>;
  const shown = filterByName([...data].sort((a, b) => b.updated_at - a.updated_at), q);
  return (
    <article class="catalog">
      <h1>Models</h1>
      <div class="catalog-toolbar">
        <input type="search" aria-label="Filter models" placeholder="Filter by name" value={q} onInput={(e) => setQuery(e.currentTarget.value)} />
        <span class="muted">{shown.length} of {data.length}</span>
      </div>
      {data.length === 0 ? (
        <p class="muted">No registered models yet. Register one with <code>run.log_model(model, "name", register="my-model")</code>.</p>
      ) : shown.length === 0 ? (
        <p class="muted">No model name matches “{q}”.</p>
      ) : (
        <ModelsTable models={shown} />
      )}
    </article>
  );
}

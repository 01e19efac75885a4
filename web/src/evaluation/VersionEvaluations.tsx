// A model version's evaluations in its registry row: the latest one's status badge,
// linking to it, and how many there are.
import { api } from "../api";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import { StatusBadge } from "./StatusBadge";
import { evaluationUrl } from "./target";

/** Rows past this many show no evaluations: one request per row is cheap only for a few. */
export const MAX_VERSIONS_WITH_EVALUATIONS = 20;

export function VersionEvaluations({ model, version }: { model: string; version: number }) {
  const target = `model:${model}/${version}`;
  const { data, error } = useApi(() => api.evaluations({ target }), [target]);
  if (error) return <span class="muted" title={error}>—</span>;
  if (data === null) return <span class="muted">…</span>;
  const list = Array.isArray(data) ? data : [];
  if (list.length === 0) return <span class="muted">none</span>;
  const latest = list[0];
  return (
    <span class="version-evaluations" aria-label={`Evaluations of v${version}`}>
      <RouteLink href={evaluationUrl(latest.id)} title={`latest evaluation ${latest.id} (${latest.dataset_name}, n=${latest.n})`} class="evaluation-link">
        <StatusBadge status={latest.status} />
      </RouteLink>
      {list.length > 1 && <span class="muted"> +{list.length - 1} earlier</span>}
    </span>
  );
}

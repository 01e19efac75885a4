// The evaluations a run recorded: status, target, dataset, n, each linking to its page.
import { api } from "../api";
import { formatTime } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import { DatasetLink, TargetLink } from "../evaluation/EvaluationHeader";
import { StatusBadge } from "../evaluation/StatusBadge";
import { evaluationUrl } from "../evaluation/target";
import "../datasets/datasets.css";
import "../evaluation/evaluation.css";

export function Evaluations({ runId }: { runId: string }) {
  const { data, error } = useApi(() => api.evaluations({ run_id: runId }), [runId]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (data === null) return <p class="loading">Loading evaluations…</p>;
  const list = Array.isArray(data) ? data : [];
  if (list.length === 0) return <p class="muted">No evaluations recorded.</p>;
  return (
    <div class="catalog">
      <table class="run-evaluations" aria-label="Evaluations">
        <thead><tr><th>status</th><th>target</th><th>dataset</th><th class="num">n</th><th>when</th><th /></tr></thead>
        <tbody>
          {list.map((e) => (
            <tr key={e.id} data-id={e.id}>
              <td><StatusBadge status={e.status} /></td>
              <td><TargetLink target={e.target} /></td>
              <td><DatasetLink name={e.dataset_name} digest={e.dataset_digest} /></td>
              <td class="num">{e.n}</td>
              <td>{formatTime(e.time)}</td>
              <td><RouteLink href={evaluationUrl(e.id)} class="evaluation-link">open evaluation</RouteLink></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

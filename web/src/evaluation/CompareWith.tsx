// "Compare with…": the other evaluations of the same target, newest first; choosing
// one opens the comparison.
import { api, type EvaluationRecord } from "../api";
import { formatTime } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import { navigate } from "../router";
import { statusWord } from "./status";
import { compareUrl, evaluationUrl } from "./target";

const describe = (e: EvaluationRecord) => `${formatTime(e.time)} · ${statusWord(e.status)} · ${e.dataset_name} · n=${e.n}`;

export function CompareWith({ record }: { record: EvaluationRecord }) {
  const target = record.target;
  const others = useApi(() => (target ? api.evaluations({ target }) : Promise.resolve([])), [target]);
  if (!target) return null;
  if (others.error) return <p class="error" role="alert">{others.error}</p>;
  if (others.data === null) return <p class="loading">Loading other evaluations…</p>;
  const list = (Array.isArray(others.data) ? others.data : []).filter((e) => e.id !== record.id);
  if (list.length === 0) return <p class="muted">No other evaluation of this target to compare with.</p>;
  return (
    <div class="compare-with">
      <label>
        Compare with…{" "}
        <select aria-label="Compare with" value="" onChange={(e) => e.currentTarget.value && navigate(compareUrl(record.id, e.currentTarget.value))}>
          <option value="">choose an evaluation</option>
          {list.map((e) => <option key={e.id} value={e.id}>{describe(e)}</option>)}
        </select>
      </label>
      <ul class="other-evaluations" aria-label="Other evaluations of this target">
        {list.map((e) => (
          <li key={e.id}><RouteLink href={evaluationUrl(e.id)}>{describe(e)}</RouteLink></li>
        ))}
      </ul>
    </div>
  );
}

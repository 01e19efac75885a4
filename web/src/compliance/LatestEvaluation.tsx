// The latest evaluation of the version: its status, each criterion's verdict, and a
// link to its page.
import { api, type EvaluationRecord } from "../api";
import { formatCount, formatTime } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import { StatusBadge } from "../evaluation/StatusBadge";
import { Verdicts } from "../evaluation/Verdicts";
import { evaluationUrl } from "../evaluation/target";

export function LatestEvaluation({ record, count }: { record: EvaluationRecord; count: number }) {
  const criteria = useApi(
    () => (record.criteria_id ? api.criteriaSet(record.criteria_id) : Promise.resolve(null)),
    [record.criteria_id],
  );
  return (
    <div class="latest-evaluation" data-evaluation={record.id}>
      <p class="evaluation-line">
        <StatusBadge status={record.status} />{" "}
        <RouteLink href={evaluationUrl(record.id)} class="evaluation-link">{record.id}</RouteLink>
        <span class="muted"> on {record.dataset_name} (n={formatCount(record.n)}), {formatTime(record.time)}</span>
        {count > 1 && <span class="muted"> · the latest of {count}</span>}
      </p>
      <Verdicts verdicts={record.verdicts} criteria={criteria.data ?? null} />
    </div>
  );
}

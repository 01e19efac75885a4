// The criteria and their verdicts: each criterion with its outcome, and its value and
// interval against the threshold; group criteria open to show each group's verdict.
import type { CriteriaSet, Verdict } from "../api";
import { formatTime } from "../datasets/format";
import { IntervalBar } from "./IntervalBar";
import { formatInterval, formatValue, scaleFor } from "./scale";
import { countOutcomes, criterionText, outcomeWord } from "./status";

const sameCriterion = (a: Verdict, b: Verdict) => JSON.stringify(a.criterion) === JSON.stringify(b.criterion);

/** The top verdict of each criterion (overall or combined) with its group verdicts. */
export function verdictTree(verdicts: Verdict[]): { top: Verdict; groups: Verdict[] }[] {
  return verdicts
    .filter((v) => v.scope !== "group")
    .map((top) => ({ top, groups: verdicts.filter((v) => v.scope === "group" && sameCriterion(v, top)) }));
}

function Outcome({ outcome }: { outcome: string }) {
  return <span class={`outcome ${outcome}`}>{outcomeWord(outcome)}</span>;
}

function VerdictRow({ verdict, label, scale }: { verdict: Verdict; label: string; scale: ReturnType<typeof scaleFor> }) {
  return (
    <tr class={`verdict ${verdict.outcome}`} data-scope={verdict.scope} data-group={verdict.group ?? undefined}>
      <td>{label}</td>
      <td><Outcome outcome={verdict.outcome} /></td>
      <td class="num">{verdict.n ?? ""}</td>
      <td class="num">{formatValue(verdict.value)} <span class="muted">{formatInterval(verdict)}</span></td>
      <td class="bar-cell"><IntervalBar estimate={verdict} scale={scale} threshold={verdict.criterion.threshold} tone={verdict.outcome} /></td>
    </tr>
  );
}

function GroupCriterion({ top, groups }: { top: Verdict; groups: Verdict[] }) {
  const counts = countOutcomes(groups.map((g) => g.outcome));
  const scale = scaleFor([top.criterion.threshold, ...groups.flatMap((g) => [g.low, g.high, g.value])]);
  return (
    <li class={`criterion ${top.outcome}`} data-metric={top.criterion.metric}>
      <details open={top.outcome !== "pass"}>
        <summary>
          <span class="criterion-text">{criterionText(top.criterion)}</span> <Outcome outcome={top.outcome} />
          <span class="muted"> — {groups.length} groups: {counts.pass} pass, {counts.fail} fail, {counts.inconclusive} inconclusive; {top.level * 100}% confidence</span>
        </summary>
        <table class="verdicts" aria-label={`Groups for ${criterionText(top.criterion)}`}>
          <thead><tr><th>group</th><th>verdict</th><th class="num">n</th><th class="num">value [interval]</th><th>vs threshold {top.criterion.threshold}</th></tr></thead>
          <tbody>{groups.map((g) => <VerdictRow key={g.group} verdict={g} label={g.group ?? ""} scale={scale} />)}</tbody>
        </table>
      </details>
    </li>
  );
}

function OverallCriterion({ top }: { top: Verdict }) {
  const scale = scaleFor([top.criterion.threshold, top.low, top.high, top.value]);
  return (
    <li class={`criterion ${top.outcome}`} data-metric={top.criterion.metric}>
      <div class="criterion-line">
        <span class="criterion-text">{criterionText(top.criterion)}</span> <Outcome outcome={top.outcome} />
        <span class="num">{formatValue(top.value)} <span class="muted">{formatInterval(top)} at {top.level * 100}%</span></span>
        <IntervalBar estimate={top} scale={scale} threshold={top.criterion.threshold} tone={top.outcome} />
      </div>
    </li>
  );
}

export function Verdicts({ verdicts, criteria }: { verdicts: Verdict[]; criteria: CriteriaSet | null }) {
  if (verdicts.length === 0) return <p class="muted">No criteria were set for this target, so there is no verdict.</p>;
  return (
    <div class="criteria">
      {criteria && (
        <p class="muted criteria-source">
          Criteria set <code>{criteria.id}</code> (#{criteria.seq}) by {criteria.actor ?? "unknown"}, {formatTime(criteria.time)}
          {criteria.reason && <>: <em>{criteria.reason}</em></>}
        </p>
      )}
      <ul class="criteria-list" aria-label="Criteria">
        {verdictTree(verdicts).map(({ top, groups }, i) =>
          top.scope === "combined"
            ? <GroupCriterion key={i} top={top} groups={groups} />
            : <OverallCriterion key={i} top={top} />,
        )}
      </ul>
    </div>
  );
}

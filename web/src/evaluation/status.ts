// The words and CSS classes for evaluation statuses and verdict outcomes.
import type { EvaluationStatus, Outcome } from "../api";

const WORDS: Record<EvaluationStatus, string> = {
  pass: "PASS",
  fail: "FAIL",
  inconclusive: "INCONCLUSIVE",
  none: "no criteria",
};

/** What a badge says for an evaluation's status (unknown statuses are shown as they are). */
export function statusWord(status: EvaluationStatus | string): string {
  return WORDS[status as EvaluationStatus] ?? status;
}

/** A verdict in words: "pass", "fail", "inconclusive" (the interval straddles the threshold). */
export function outcomeWord(outcome: Outcome | string): string {
  return outcome === "inconclusive" ? "inconclusive" : outcome;
}

/** "accuracy ≥ 0.7" from a criterion. */
export function criterionText(c: { metric: string; op: string; threshold: number; group: string | null }): string {
  const ops: Record<string, string> = { ">=": "≥", "<=": "≤" };
  return `${c.metric} ${ops[c.op] ?? c.op} ${c.threshold}${c.group ? ` in every ${c.group} group` : ""}`;
}

/** Per-outcome counts of verdicts, e.g. for a group criterion's summary. */
export function countOutcomes(outcomes: string[]): Record<Outcome, number> {
  const out: Record<Outcome, number> = { pass: 0, fail: 0, inconclusive: 0 };
  for (const o of outcomes) if (o in out) out[o as Outcome] += 1;
  return out;
}

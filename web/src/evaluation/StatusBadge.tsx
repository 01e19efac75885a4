// An evaluation's status as a badge: PASS, FAIL, INCONCLUSIVE or "no criteria".
import type { EvaluationStatus } from "../api";
import { statusWord } from "./status";

export function StatusBadge({ status }: { status: EvaluationStatus | string }) {
  return <span class={`eval-status ${status}`} data-status={status}>{statusWord(status)}</span>;
}

// Sign-off policies against the signatures a version has: an alias that needs N
// approvals counts valid "approve" signatures, one per signer (as the server does).
import type { SignatureRecord } from "../api";

export interface PolicyStatus {
  alias: string;
  required: number;
  /** The distinct signers whose valid approvals count, in the order they signed. */
  approvers: string[];
  /** How many more sign-offs the alias needs (0: it may move to this version). */
  needed: number;
}

/** The signers whose approvals count now: valid, meaning "approve", each signer once. */
export function countingApprovers(signatures: SignatureRecord[]): string[] {
  const seen: string[] = [];
  const ordered = [...signatures].sort((a, b) => a.time - b.time);
  for (const s of ordered) if (s.valid && s.meaning === "approve" && !seen.includes(s.signer)) seen.push(s.signer);
  return seen;
}

/** Each policy (alias → required sign-offs) with who has approved and how many are still needed. */
export function policyStatus(policies: Record<string, number>, signatures: SignatureRecord[]): PolicyStatus[] {
  const approvers = countingApprovers(signatures);
  return Object.entries(policies)
    .filter(([, required]) => required > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([alias, required]) => ({ alias, required, approvers, needed: Math.max(0, required - approvers.length) }));
}

/** "1 more sign-off needed", "2 more sign-offs needed", or "enough sign-offs". */
export function neededText(needed: number): string {
  if (needed <= 0) return "enough sign-offs";
  return `${needed} more sign-off${needed === 1 ? "" : "s"} needed`;
}

// Sign-offs: the signatures on the version (and on its latest evaluation), each checked
// now; the policies with who has approved and how many more are needed.
import type { SignatureRecord } from "../api";
import { formatTime } from "../datasets/format";
import { Command } from "./Command";
import { commands } from "./commands";
import { neededText, policyStatus } from "./signoffs";

export function SignatureTable({ signatures, label }: { signatures: SignatureRecord[]; label: string }) {
  if (signatures.length === 0) return <p class="muted" data-empty={label}>No signatures on {label}.</p>;
  return (
    <table class="signatures" aria-label={`Signatures on ${label}`}>
      <thead><tr><th>signer</th><th>meaning</th><th>when</th><th>check</th><th>key</th></tr></thead>
      <tbody>
        {signatures.map((s) => (
          <tr key={s.id} data-signature={s.id} data-signer={s.signer} class={s.valid ? "valid" : "invalid"}>
            <td class="signer">{s.signer}</td>
            <td class="meaning">{s.meaning}</td>
            <td>{formatTime(s.time)}</td>
            <td class="check">
              {s.valid ? <span class="sig-valid">valid</span> : <span class="sig-invalid">INVALID</span>}
              {!s.valid && s.problem && <span class="problem">: {s.problem}</span>}
            </td>
            <td><code title={s.key_id}>{s.key_id}</code></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Policies({ policies, signatures }: { policies: Record<string, number>; signatures: SignatureRecord[] }) {
  const rows = policyStatus(policies, signatures);
  if (rows.length === 0) return <p class="muted">No alias of this model needs sign-offs.</p>;
  return (
    <ul class="policies" aria-label="Sign-off policies">
      {rows.map((row) => (
        <li key={row.alias} data-alias={row.alias} class={row.needed ? "short" : "met"}>
          <span class="chip alias">@{row.alias}</span> needs {row.required} approving sign-off{row.required === 1 ? "" : "s"}
          {" — "}
          {row.approvers.length ? <>approved by <span class="approvers">{row.approvers.join(", ")}</span></> : <span class="muted">no approvals yet</span>}
          {"; "}
          <strong class="needed" data-needed={row.needed}>{neededText(row.needed)}</strong>
        </li>
      ))}
    </ul>
  );
}

export function SignoffCommand({ name, version }: { name: string; version: number | string }) {
  return <Command text={commands(name, version).sign} label="to sign" />;
}

// "Verify now": rebuild the document with ?verify=true (every chain, artifact and
// signature behind the version re-checked) and show what was found.
import { useState } from "preact/hooks";
import { api, type Verification } from "../api";
import { errorMessage } from "../run/useRun";

export function VerificationSummary({ verification }: { verification: Verification }) {
  const failed = verification.checks.filter((c) => !c.ok);
  return (
    <div class={`verification ${verification.ok ? "ok" : "failed"}`} data-ok={String(verification.ok)}>
      <p>
        <strong class="verify-result">{verification.ok ? "OK" : "FAILED"}</strong>
        {" — "}{verification.checks_total} checks, {verification.failed} failed
        {verification.not_reachable > 0 && `, ${verification.not_reachable} not reachable (not re-hashed)`}
      </p>
      {failed.length > 0 && (
        <ul class="failed-checks" aria-label="Failed checks">
          {failed.map((c, i) => <li key={i}><strong>{c.kind}</strong> <code>{c.target}</code>: {c.detail}</li>)}
        </ul>
      )}
      <details>
        <summary>All checks</summary>
        <table class="checks" aria-label="Checks">
          <thead><tr><th>kind</th><th>target</th><th>result</th><th>detail</th></tr></thead>
          <tbody>
            {verification.checks.map((c, i) => (
              <tr key={i} class={c.ok ? (c.skipped ? "skipped" : "ok") : "failed"}>
                <td>{c.kind}</td><td><code>{c.target}</code></td>
                <td>{c.ok ? (c.skipped ? "skipped" : "ok") : "FAILED"}</td><td class="detail">{c.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}

export function VerifyNow({ name, version }: { name: string; version: number | string }) {
  const [state, setState] = useState<{ busy: boolean; result: Verification | null; error: string | null; missing: boolean }>(
    { busy: false, result: null, error: null, missing: false },
  );
  const verify = async () => {
    setState({ busy: true, result: null, error: null, missing: false });
    try {
      const doc = await api.annexIv(name, version, true);
      setState({ busy: false, result: doc.verification, error: null, missing: doc.verification === null });
    } catch (e) {
      setState({ busy: false, result: null, error: errorMessage(e), missing: false });
    }
  };
  return (
    <div class="verify-now">
      <p>
        <button type="button" onClick={verify} disabled={state.busy}>{state.busy ? "Verifying…" : "Verify now"}</button>{" "}
        <span class="muted">Re-checks every hash chain, artifact and signature behind this version (slower).</span>
      </p>
      {state.error && <p class="error" role="alert">{state.error}</p>}
      {state.missing && <p class="muted">This server cannot verify records.</p>}
      {state.result && <VerificationSummary verification={state.result} />}
    </div>
  );
}

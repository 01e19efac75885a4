// The inline forms that change the registry: set an alias on a version, remove an
// alias, deprecate a version. Each asks for a reason, which goes into the chain.
import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { errorMessage } from "../run/useRun";

export type Action =
  | { type: "alias"; version: number }
  | { type: "unalias"; version: number; alias: string }
  | { type: "deprecate"; version: number };

/** The server's refusal in words a user can act on (403: not an editor). */
export function actionError(error: unknown): string {
  if (error instanceof ApiError && error.status === 403) {
    const hint = /editor/i.test(error.message) ? "" : " Changing the registry needs the editor role in the model's project.";
    return `Not allowed: ${error.message.replace(/\.?$/, ".")}${hint}`;
  }
  if (error instanceof ApiError && error.status === 401) return "Sign in to change the registry.";
  return errorMessage(error);
}

function perform(model: string, action: Action, alias: string, reason: string): Promise<unknown> {
  if (action.type === "alias") return api.setAlias(model, alias, action.version, reason);
  if (action.type === "unalias") return api.deleteAlias(model, action.alias, reason);
  return api.deprecateVersion(model, action.version, reason);
}

function title(action: Action): string {
  if (action.type === "alias") return `Set an alias on v${action.version}`;
  if (action.type === "unalias") return `Remove alias @${action.alias} from v${action.version}`;
  return `Deprecate v${action.version}`;
}

interface Props {
  model: string;
  action: Action;
  onDone: () => void;
  onCancel: () => void;
}

export function ActionForm({ model, action, onDone, onCancel }: Props) {
  const [alias, setAlias] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await perform(model, action, alias.trim(), reason.trim());
      onDone();
    } catch (e) {
      setError(actionError(e));
    } finally {
      setBusy(false);
    }
  };
  const ready = reason.trim() !== "" && (action.type !== "alias" || alias.trim() !== "");
  return (
    <form class="action-form" aria-label={title(action)} onSubmit={submit}>
      <strong>{title(action)}</strong>
      {action.type === "alias" && (
        <input autoFocus aria-label="Alias" placeholder="alias, e.g. champion" value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />
      )}
      <input class="reason-input" aria-label="Reason" placeholder="why (kept in the history)" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <button type="submit" disabled={!ready || busy}>{action.type === "alias" ? "Set alias" : action.type === "unalias" ? "Remove alias" : "Deprecate"}</button>
      <button type="button" onClick={onCancel}>Cancel</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

// Notes: read-only for viewers; editors edit and save them (PATCH /runs/{id}).
import { useState } from "preact/hooks";
import { request, type Run } from "../api";
import { errorMessage } from "./useRun";

export function saveNotes(runId: string, notes: string): Promise<Run> {
  return request<Run>(`/runs/${encodeURIComponent(runId)}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ notes }),
  });
}

interface NotesProps {
  run: Run;
  editable: boolean;
  onSaved: (run: Run) => void;
}

export function Notes({ run, editable, onSaved }: NotesProps) {
  // The user's unsaved edit; while there is none the server's notes (live polls) show.
  const [draft, setDraft] = useState<string | null>(null);
  const [state, setState] = useState<"idle" | "saving" | "saved">("idle");
  const [error, setError] = useState<string | null>(null);
  const text = draft ?? run.notes ?? "";
  if (!editable) return run.notes ? <p class="notes">{run.notes}</p> : <p class="muted">No notes.</p>;
  const save = async () => {
    setState("saving");
    setError(null);
    try {
      onSaved(await saveNotes(run.id, text));
      setDraft(null);
      setState("saved");
    } catch (e) {
      setError(errorMessage(e));
      setState("idle");
    }
  };
  return (
    <div class="notes-editor">
      <textarea aria-label="Notes" rows={4} value={text} onInput={(e) => { setDraft(e.currentTarget.value); setState("idle"); }} />
      <div>
        <button type="button" onClick={save} disabled={state === "saving"}>Save notes</button>
        {state === "saved" && draft === null && <span class="muted"> Saved.</span>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

/** Whether *identity* may edit runs of *project* (admins and editors; anonymous is admin). */
export function canEdit(identity: { is_admin: boolean; roles: Record<string, string> }, project: string): boolean {
  if (identity.is_admin) return true;
  const role = identity.roles[project];
  return role === "editor" || role === "admin";
}

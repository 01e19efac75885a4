// Loads the compared runs, in the order their ids are given.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Run } from "../api";

export type RunsState = { runs: Run[]; error: null } | { runs: null; error: string | null };

export function useRuns(ids: string[]): RunsState {
  const [state, setState] = useState<RunsState>({ runs: null, error: null });
  const key = ids.join("\n");
  useEffect(() => {
    let current = true;
    setState({ runs: null, error: null });
    Promise.all(ids.map((id) => api.run(id))).then(
      (runs) => current && setState({ runs, error: null }),
      (e: unknown) => current && setState({ runs: null, error: e instanceof ApiError ? e.message : String(e) }),
    );
    return () => void (current = false);
  }, [key]);
  return state;
}

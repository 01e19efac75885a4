// The runs of a search, kept live: while any shown run is running, refresh every 2 s
// (the whole search when it is small, else only the running runs, by id).
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type Run } from "../api";
import { fetchRuns, fetchRunsById, mergeRuns, type Search } from "./runsApi";

export const REFRESH_MS = 2000;
const FULL_REFRESH_MAX = 1000;

export interface RunsState {
  runs: Run[] | null; // null until the first search answers
  truncated: boolean;
  error: string | null; // the last search's error; the previous runs stay
  loading: boolean;
}

function message(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

export function useRuns(search: Search): RunsState {
  const [state, setState] = useState<RunsState>({ runs: null, truncated: false, error: null, loading: true });
  const key = JSON.stringify(search);
  const runsRef = useRef<Run[] | null>(null);
  runsRef.current = state.runs;

  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fetchRuns(
      search,
      ({ runs, truncated, done }) => setState({ runs, truncated, error: null, loading: !done }),
      () => live,
    ).catch((error: unknown) => live && setState((s) => ({ ...s, error: message(error), loading: false })));
    return () => void (live = false);
  }, [key]);

  const running = state.runs?.some((run) => run.status === "running") ?? false;
  useEffect(() => {
    if (!running) return;
    let live = true;
    let busy = false;
    const timer = setInterval(async () => {
      const runs = runsRef.current;
      if (busy || !runs) return;
      busy = true;
      try {
        if (runs.length <= FULL_REFRESH_MAX) {
          const fresh = await fetchRuns(search);
          if (live) setState((s) => ({ ...s, runs: fresh.runs, truncated: fresh.truncated }));
        } else {
          const ids = runs.filter((run) => run.status === "running").map((run) => run.id);
          const updates = await fetchRunsById(ids);
          if (live) setState((s) => ({ ...s, runs: s.runs && mergeRuns(s.runs, updates) }));
        }
      } catch {
        /* a failed refresh keeps the rows; the next tick tries again */
      } finally {
        busy = false;
      }
    }, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [running, key]);

  return state;
}

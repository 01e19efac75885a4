// A run, kept fresh: while it is running it is polled every 1.5 s; *tick* counts the
// polls so charts know when to re-fetch their buckets.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Run } from "../api";

export const POLL_MS = 1500;

export interface RunState {
  run: Run | null;
  error: string | null;
  tick: number;
  setRun: (run: Run) => void;
}

export function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
}

export function useRun(runId: string): RunState {
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setRun(null);
    setError(null);
    api.run(runId).then((r) => current && setRun(r), (e: unknown) => current && setError(errorMessage(e)));
    return () => void (current = false);
  }, [runId]);
  const running = run?.status === "running";
  useEffect(() => {
    if (!running) return;
    let current = true;
    const timer = setInterval(() => {
      api.run(runId).then(
        (r) => {
          if (!current) return;
          setRun(r);
          setTick((n) => n + 1);
        },
        () => undefined, // a missed poll is retried on the next tick
      );
    }, POLL_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [runId, running]);
  return { run, error, tick, setRun };
}

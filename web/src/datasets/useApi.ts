// Load something from the API for a component: data, error text, and reload().
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../run/useRun";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/** Calls *load* when *deps* change (or on reload); a stale answer is dropped. */
export function useApi<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const lastAttempt = useRef(attempt);
  useEffect(() => {
    let current = true;
    setError(null);
    // new deps show "loading" rather than the previous thing; a reload keeps it on screen
    if (lastAttempt.current === attempt) setData(null);
    lastAttempt.current = attempt;
    load().then(
      (value) => current && setData(value),
      (e: unknown) => current && setError(errorMessage(e)),
    );
    return () => void (current = false);
  }, [...deps, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { data, error, reload };
}

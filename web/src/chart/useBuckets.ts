// Fetch one metric's buckets for several runs; a run without the metric is left out.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Buckets } from "../api";

export interface BucketsState {
  /** Per run (same order as *runIds*), null where that run has no data. */
  data: (Buckets | null)[] | null;
  error: string | null;
}

export function useBuckets(
  runIds: string[],
  metric: string,
  buckets: number,
  range: [number, number] | null,
  refresh: unknown,
  times = false,
): BucketsState {
  const [state, setState] = useState<BucketsState>({ data: null, error: null });
  const key = runIds.join("\n");
  useEffect(() => {
    if (buckets <= 0) return;
    let current = true;
    Promise.allSettled(runIds.map((id) => api.buckets(id, metric, buckets, range?.[0], range?.[1], times))).then((results) => {
      if (!current) return;
      const data = results.map((r) => (r.status === "fulfilled" ? r.value : null));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      const error = data.every((d) => d === null) && failure ? message(failure.reason) : null;
      setState({ data, error });
    });
    return () => {
      current = false;
    };
  }, [key, metric, buckets, range?.[0], range?.[1], refresh, times]);
  return state;
}

function message(reason: unknown): string {
  return reason instanceof ApiError ? reason.message : String(reason);
}

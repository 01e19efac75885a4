// What was captured when the run started (git, Python and packages, system, GPUs,
// command line), as a tree whose groups start closed.
import { useEffect, useState } from "preact/hooks";
import { ApiError, request, type Json } from "../api";
import { ParamsView } from "./ParamsView";

export function Environment({ runId }: { runId: string }) {
  const [environment, setEnvironment] = useState<Record<string, Json> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    request<Record<string, Json>>(`/runs/${encodeURIComponent(runId)}/environment`).then(
      setEnvironment,
      (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)),
    );
  }, [runId]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (environment === null) return <p class="loading">Loading…</p>;
  return <ParamsView params={environment} open={false} empty="Nothing was captured (capture was off)." />;
}

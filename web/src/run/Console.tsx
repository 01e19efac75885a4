// What the run printed (stdout and stderr, with times), newest at the bottom; stderr marked.
import { useEffect, useState } from "preact/hooks";
import { ApiError, request } from "../api";

type Line = [number, string, string];

const SHOWN = 2000; // the last lines; the whole log is in the API

export function Console({ runId, live }: { runId: string; live: boolean }) {
  const [lines, setLines] = useState<Line[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stream, setStream] = useState<"all" | "stderr">("all");
  useEffect(() => {
    let stopped = false;
    const load = () =>
      request<{ lines: Line[] }>(`/runs/${encodeURIComponent(runId)}/console`).then(
        (found) => !stopped && setLines(Array.isArray(found?.lines) ? found.lines : []),
        (e: unknown) => !stopped && setError(e instanceof ApiError ? e.message : String(e)),
      );
    void load();
    const timer = live ? window.setInterval(load, 5000) : undefined;
    return () => {
      stopped = true;
      if (timer !== undefined) window.clearInterval(timer);
    };
  }, [runId, live]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (lines === null) return <p class="loading">Loading…</p>;
  if (!lines.length) return <p class="muted">Nothing was printed, or console capture was off.</p>;
  const chosen = stream === "all" ? lines : lines.filter((l) => l[1] === "stderr");
  const shown = chosen.slice(-SHOWN);
  const start = lines[0][0];
  return (
    <div class="console">
      <p class="muted">
        {lines.length} lines{chosen.length > SHOWN ? `; the last ${SHOWN} shown` : ""}.{" "}
        <label>
          <input
            type="checkbox"
            checked={stream === "stderr"}
            onChange={(e) => setStream((e.target as HTMLInputElement).checked ? "stderr" : "all")}
          />{" "}
          stderr only
        </label>
      </p>
      <pre class="console-lines" aria-label="console output">
        {shown.map(([time, name, text], i) => (
          <div key={i} class={name === "stderr" ? "console-stderr" : undefined}>
            <span class="console-time">{`+${((time - start) / 1000).toFixed(1)}s`}</span> {text}
          </div>
        ))}
      </pre>
    </div>
  );
}

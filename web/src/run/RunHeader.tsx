// The run's title, status and facts: times, who and where, git, tags, error.
import type { ComponentChildren } from "preact";
import type { Run } from "../api";
import { formatDuration } from "./format";
import { formatParam } from "./paramsTree";

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return <div class="fact"><dt>{label}</dt><dd>{children}</dd></div>;
}

export function RunHeader({ run, now }: { run: Run; now: number }) {
  const end = run.finished_at ?? (run.status === "running" ? now : null);
  const tags = Object.entries(run.tags);
  return (
    <header class="run-header">
      <h1>
        {run.name} <span class={`status ${run.status}`} data-testid="run-status">{run.status}</span>
      </h1>
      <dl class="facts">
        <Fact label="project">{run.project}</Fact>
        <Fact label="created"><time dateTime={new Date(run.created_at).toISOString()}>{new Date(run.created_at).toLocaleString()}</time></Fact>
        {end !== null && <Fact label="duration">{formatDuration(end - run.created_at)}</Fact>}
        {(run.user || run.host) && <Fact label="by">{[run.user, run.host].filter(Boolean).join(" @ ")}</Fact>}
        {run.git_commit && <Fact label="git"><code title={run.git_commit}>{run.git_commit.slice(0, 10)}</code>{run.git_branch && ` on ${run.git_branch}`}</Fact>}
        {run.group && <Fact label="group">{run.group}</Fact>}
        <Fact label="id"><code>{run.id}</code></Fact>
      </dl>
      {tags.length > 0 && (
        <ul class="tags" aria-label="Tags">
          {tags.map(([k, v]) => <li key={k}>{v ? `${k}: ${v}` : k}</li>)}
        </ul>
      )}
      {run.error !== null && run.error !== undefined && (
        <pre class="run-error error">{typeof run.error === "string" ? run.error : formatParam(run.error)}</pre>
      )}
    </header>
  );
}

// The registry chain of one model as a timeline, newest first: when, who, what, why,
// with the sequence number and hash that make it tamper-evident.
import { useState } from "preact/hooks";
import type { RegistryEvent } from "../api";
import { formatTime, shortDigest } from "../datasets/format";
import { describeEvent, isAliasEvent } from "./history";

function Entry({ event }: { event: RegistryEvent }) {
  const actor = event.body.actor ? String(event.body.actor) : "unknown";
  const reason = event.body.reason ? String(event.body.reason) : null;
  return (
    <li class={`event ${event.type.replace(".", "-")}`} data-type={event.type} data-seq={event.seq}>
      <time dateTime={new Date(event.time).toISOString()}>{formatTime(event.time)}</time>
      <div class="event-body">
        <span class="actor">{actor}</span> {describeEvent(event)}
        {reason ? <q class="reason">{reason}</q> : <span class="muted no-reason"> (no reason given)</span>}
      </div>
      <code class="event-hash" title={`#${event.seq} ${event.hash}`}>#{event.seq} {shortDigest(event.hash)}</code>
    </li>
  );
}

export function AliasHistory({ events }: { events: RegistryEvent[] }) {
  const [aliasesOnly, setAliasesOnly] = useState(false);
  const shown = [...events].filter((e) => !aliasesOnly || isAliasEvent(e)).sort((a, b) => b.seq - a.seq);
  return (
    <div class="history">
      <label class="muted"><input type="checkbox" checked={aliasesOnly} onChange={(e) => setAliasesOnly(e.currentTarget.checked)} /> alias moves only</label>
      {shown.length === 0 ? <p class="muted">Nothing yet.</p> : <ol class="timeline" aria-label="History">{shown.map((e) => <Entry key={e.seq} event={e} />)}</ol>}
    </div>
  );
}

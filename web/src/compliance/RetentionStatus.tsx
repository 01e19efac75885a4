// Retention: whether the version is on the market (and until when its lineage is
// kept), its legal holds, and how long run logs are kept.
import type { Retention } from "../api";
import { formatTime } from "../datasets/format";
import { Command } from "./Command";
import { commands } from "./commands";

/** "2036-11-29" from Unix ms (UTC, as the CLI writes dates). */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function RetentionStatus({ retention, name, version }: { retention: Retention; name: string; version: number | string }) {
  const { placed, holds, log_retention, log_retention_days } = retention;
  const cli = commands(name, version);
  return (
    <div class="retention">
      <dl class="key-values">
        <div>
          <dt>market</dt>
          <dd data-testid="market">
            {placed ? (
              <>
                <strong class="on-market">On the market</strong> since {isoDay(placed.placed_at)}
                {placed.actor && ` (recorded by ${placed.actor})`}; its evidence is kept until{" "}
                <strong data-testid="kept-until">{isoDay(placed.until)}</strong>
                <span class="muted"> ({Math.round(placed.retention_days / 365.25)} years, Art. 18)</span>
              </>
            ) : <span class="muted">Not on the market.</span>}
          </dd>
        </div>
        <div>
          <dt>legal holds</dt>
          <dd>
            {holds.length === 0 ? <span class="muted">None on this version.</span> : (
              <ul class="holds" aria-label="Legal holds">
                {holds.map((h) => (
                  <li key={h.id} data-hold={h.id}>
                    <code>{h.id}</code> <span class="hold-reason">{h.reason}</span>
                    <span class="muted"> — by {h.actor}, {formatTime(h.created_at)}</span>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <div>
          <dt>run logs</dt>
          <dd>kept {log_retention ?? `${log_retention_days} days`} after each run ends</dd>
        </div>
      </dl>
      {!placed && <Command text={cli.market} label="to place on the market" />}
      <Command text={cli.hold} label="to put on hold" />
    </div>
  );
}

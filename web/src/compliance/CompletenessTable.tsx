// Annex IV completeness: one row per item with its counts by source, a bar, and the
// missing fields (expandable); the overall "N of M fields filled" above.
import type { AnnexIV, CompletenessRow, CompletenessTotal } from "../api";
import { Command } from "./Command";
import { commands } from "./commands";
import { fieldAsks, fieldLabels, filledText, percentFilled, segments } from "./completeness";

function Bar({ row, label }: { row: CompletenessTotal | CompletenessRow; label: string }) {
  const percent = percentFilled(row);
  return (
    <span class="fill-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}
      title={segments(row).map((s) => `${s.count} ${s.source}`).join(", ")}>
      {segments(row).map((s) => <span key={s.source} class={`fill-seg ${s.source}`} style={{ width: `${s.width}%` }} />)}
    </span>
  );
}

function Missing({ row, labels, asks }: { row: CompletenessRow; labels: Map<string, string>; asks: Map<string, string> }) {
  if (row.missing_fields.length === 0) return <span class="complete-mark">complete</span>;
  return (
    <details class="missing-fields">
      <summary>{row.missing_fields.length} missing</summary>
      <ul aria-label={`Missing in item ${row.item}`}>
        {row.missing_fields.map((key) => (
          <li key={key} data-key={key} title={asks.get(key)}>
            {labels.get(key) ?? key} <code class="muted">{key}</code>
          </li>
        ))}
      </ul>
    </details>
  );
}

export function CompletenessTable({ doc, name, version }: { doc: AnnexIV; name: string; version: number | string }) {
  const { items, total, complete } = doc.completeness;
  const labels = fieldLabels(doc);
  const asks = fieldAsks(doc);
  return (
    <div class="completeness">
      <p class="completeness-total">
        <strong data-testid="filled">{filledText(total)}</strong>{" "}
        <Bar row={total} label="All items filled" />{" "}
        {complete ? <span class="complete-mark">complete</span> : <span class="warn">{total.missing} missing</span>}
        <span class="legend muted">
          {(["automatic", "attached", "manual", "missing"] as const).map((s) => (
            <span key={s}><span class={`legend-key fill-seg ${s}`} /> {s} {total[s]}</span>
          ))}
        </span>
      </p>
      <div class="scroll-x">
        <table class="completeness-items" aria-label="Completeness by item">
          <thead>
            <tr><th>item</th><th class="num">automatic</th><th class="num">attached</th><th class="num">manual</th><th class="num">missing</th><th>filled</th><th>missing fields</th></tr>
          </thead>
          <tbody>
            {items.map((row) => (
              <tr key={row.item} data-item={row.item} class={row.missing ? "incomplete" : "complete"}>
                <td class="item-title"><span class="item-number">{row.item}.</span> {row.title}</td>
                <td class="num" data-count="automatic">{row.automatic}</td>
                <td class="num" data-count="attached">{row.attached}</td>
                <td class="num" data-count="manual">{row.manual}</td>
                <td class="num" data-count="missing">{row.missing}</td>
                <td class="fill-cell"><Bar row={row} label={`Item ${row.item} filled`} /> <span class="muted">{percentFilled(row)}%</span></td>
                <td><Missing row={row} labels={labels} asks={asks} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted note">
        Manual fields (the provider, intended purpose, risk management, …) are never drawn from the records: write them
        in a provider.yaml (<code>trackrecord report init -o provider.yaml</code> starts one) and build the document with it.
        The downloads here are built without it.
      </p>
      <Command text={commands(name, version).annexIv} />
    </div>
  );
}

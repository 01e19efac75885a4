// A dataset version's schema and profile: one row per column (type, nulls, distinct,
// min/max or top values); array and directory profiles and unknown keys as key/values.
import type { ColumnSchema, DatasetVersion, Json } from "../api";
import { formatJson, humanize } from "./format";

type ColumnProfile = Record<string, Json>;
const COLUMN_KEYS = new Set(["name", "type", "nulls", "distinct", "min", "max", "top"]);

function asRecords(value: Json | undefined): ColumnProfile[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === "object" && !Array.isArray(v)) as ColumnProfile[]) : [];
}

/** "free (2), pro (2)" from [[value, count], ...]. */
export function formatTop(top: Json | undefined): string {
  if (!Array.isArray(top)) return "";
  return top
    .map((pair) => (Array.isArray(pair) && pair.length === 2 ? `${formatJson(pair[0])} (${formatJson(pair[1])})` : formatJson(pair)))
    .join(", ");
}

/** The profile's columns merged with the schema (a column may be in only one of them). */
export function columnRows(schema: ColumnSchema[] | null, profile: Record<string, Json> | null): ColumnProfile[] {
  const profiled = asRecords(profile?.columns);
  const byName = new Map(profiled.map((c) => [String(c.name), c]));
  const rows: ColumnProfile[] = (schema ?? []).map((col) => ({ ...col, ...(byName.get(col.name) ?? {}) }));
  const named = new Set(rows.map((r) => String(r.name)));
  return [...rows, ...profiled.filter((c) => !named.has(String(c.name)))];
}

function extraText(column: ColumnProfile): string {
  return Object.entries(column)
    .filter(([key]) => !COLUMN_KEYS.has(key))
    .map(([key, value]) => `${humanize(key)}: ${formatJson(value)}`)
    .join("; ");
}

function ColumnsTable({ rows }: { rows: ColumnProfile[] }) {
  const extra = rows.some((r) => extraText(r) !== "");
  return (
    <table class="profile" aria-label="Columns">
      <thead>
        <tr><th>column</th><th>type</th><th>nulls</th><th>distinct</th><th>min</th><th>max</th><th>top values</th>{extra && <th>more</th>}</tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <tr key={String(c.name)}>
            <td>{String(c.name)}</td>
            <td class="muted">{formatJson(c.type ?? null)}</td>
            <td class={typeof c.nulls === "number" && c.nulls > 0 ? "warn num" : "num"}>{c.nulls === undefined ? "" : formatJson(c.nulls)}</td>
            <td class="num">{c.distinct === undefined ? "" : formatJson(c.distinct)}</td>
            <td class="num">{c.min === undefined ? "" : formatJson(c.min)}</td>
            <td class="num">{c.max === undefined ? "" : formatJson(c.max)}</td>
            <td class="top">{formatTop(c.top)}</td>
            {extra && <td>{extraText(c)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ArraysTable({ arrays }: { arrays: ColumnProfile[] }) {
  return (
    <table class="profile" aria-label="Arrays">
      <thead><tr><th>array</th><th>dtype</th><th>shape</th><th>NaNs</th><th>min</th><th>max</th></tr></thead>
      <tbody>
        {arrays.map((a) => (
          <tr key={String(a.name)}>
            <td>{String(a.name)}</td>
            <td class="muted">{formatJson(a.dtype ?? null)}</td>
            <td>{Array.isArray(a.shape) ? `(${a.shape.join(", ")})` : ""}</td>
            <td class="num">{a.nans === undefined ? "" : formatJson(a.nans)}</td>
            <td class="num">{a.min === undefined ? "" : formatJson(a.min)}</td>
            <td class="num">{a.max === undefined ? "" : formatJson(a.max)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Key/value facts of a JSON object; nested objects as "key: count" lists. */
export function KeyValues({ entries, label }: { entries: [string, Json][]; label?: string }) {
  if (entries.length === 0) return null;
  return (
    <dl class="key-values" aria-label={label}>
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{humanize(key)}</dt>
          <dd>
            {value && typeof value === "object" && !Array.isArray(value)
              ? Object.entries(value).map(([k, v]) => `${k}: ${formatJson(v)}`).join(", ")
              : formatJson(value)}
          </dd>
        </div>
      ))}
    </dl>
  );
}

const SHOWN = new Set(["columns", "arrays", "rows"]);

export function Profile({ version }: { version: DatasetVersion }) {
  const rows = columnRows(version.schema, version.profile);
  const arrays = asRecords(version.profile?.arrays);
  const rest = Object.entries(version.profile ?? {}).filter(([key]) => !SHOWN.has(key));
  if (rows.length === 0 && arrays.length === 0 && rest.length === 0) return <p class="muted">No schema or profile recorded.</p>;
  return (
    <div class="dataset-profile">
      <KeyValues entries={rest.map(([k, v]) => [k === "columns_total" ? "columns" : k, v])} label="Profile" />
      {rows.length > 0 && <div class="scroll-x"><ColumnsTable rows={rows} /></div>}
      {arrays.length > 0 && <div class="scroll-x"><ArraysTable arrays={arrays} /></div>}
    </div>
  );
}

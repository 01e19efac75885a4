// Annex IV completeness: per-item shares of filled fields, the overall "N of M fields
// filled", and the labels of what is missing.
import type { AnnexIV, CompletenessRow, CompletenessTotal } from "../api";

/** A field counts as filled when it is automatic, attached or manual (not missing). */
export function filled(row: Pick<CompletenessRow, "automatic" | "attached" | "manual">): number {
  return row.automatic + row.attached + row.manual;
}

/** The filled share of a row as a whole percent (0–100); an item with no fields is 100. */
export function percentFilled(row: Pick<CompletenessRow, "fields" | "automatic" | "attached" | "manual">): number {
  if (row.fields <= 0) return 100;
  return Math.round((filled(row) / row.fields) * 100);
}

/** "16 of 50 fields filled". */
export function filledText(total: CompletenessTotal): string {
  return `${filled(total)} of ${total.fields} field${total.fields === 1 ? "" : "s"} filled`;
}

/** The widths (percent) of the automatic / attached / manual / missing segments of a bar. */
export function segments(row: CompletenessTotal | CompletenessRow): { source: "automatic" | "attached" | "manual" | "missing"; count: number; width: number }[] {
  const sources = ["automatic", "attached", "manual", "missing"] as const;
  return sources
    .map((source) => ({ source, count: row[source], width: row.fields > 0 ? (row[source] / row.fields) * 100 : 0 }))
    .filter((s) => s.count > 0);
}

/** Each field key's label, to name missing fields the way the document does. */
export function fieldLabels(doc: Pick<AnnexIV, "items">): Map<string, string> {
  const labels = new Map<string, string>();
  for (const item of doc.items) for (const field of item.fields) labels.set(field.key, field.label);
  return labels;
}

/** What Annex IV asks for in each missing manual field, by key. */
export function fieldAsks(doc: Pick<AnnexIV, "items">): Map<string, string> {
  const asks = new Map<string, string>();
  for (const item of doc.items) for (const field of item.fields) if (field.asks) asks.set(field.key, field.asks);
  return asks;
}

/** The totals, recomputed from the rows (so a document without totals still adds up). */
export function totalOf(rows: CompletenessRow[]): CompletenessTotal {
  const total: CompletenessTotal = { fields: 0, automatic: 0, attached: 0, manual: 0, missing: 0 };
  for (const row of rows) {
    total.fields += row.fields;
    total.automatic += row.automatic;
    total.attached += row.attached;
    total.manual += row.manual;
    total.missing += row.missing;
  }
  return total;
}

// How the catalog pages (datasets, models, lineage) write digests, times, sizes and
// free-form JSON values.
import type { Json } from "../api";

/** The page of a project's dataset (names are namespaced per project), at a version. */
export function datasetUrl(name: string, project?: string | null, version?: number | null): string {
  const params = new URLSearchParams();
  if (project) params.set("project", project);
  if (typeof version === "number") params.set("v", String(version));
  const rest = params.toString();
  return `/datasets/${encodeURIComponent(name)}${rest ? `?${rest}` : ""}`;
}

/** The first 12 hex digits of a content digest: enough to tell versions apart. */
export function shortDigest(digest: string | null | undefined): string {
  return digest ? digest.slice(0, 12) : "";
}

/** "2026-01-02 03:04" in local time, from Unix milliseconds. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "";
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "3 minutes ago", "2 days ago" (falls back to the date beyond a month). */
export function formatAgo(ms: number, now: number = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return "just now";
  const units: [number, string][] = [[60, "minute"], [3600, "hour"], [86400, "day"]];
  for (let i = units.length - 1; i >= 0; i--) {
    const [size, name] = units[i];
    if (s >= size && s < 30 * 86400) {
      const n = Math.round(s / size);
      return `${n} ${name}${n === 1 ? "" : "s"} ago`;
    }
  }
  return formatTime(ms);
}

/** A count with thousands separators; "" for unknown. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? "" : n.toLocaleString("en-US");
}

/** A JSON value as short text: strings bare, numbers compact, the rest as JSON. */
export function formatJson(value: Json | undefined): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? formatCount(value) : String(Number(value.toPrecision(6)));
  }
  if (typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** "snake_case_key" → "snake case key", for labels of keys we do not know. */
export function humanize(key: string): string {
  return key.replace(/[_-]+/g, " ").trim();
}

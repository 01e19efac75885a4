// Fields of a run as the query language names them (`params.lr`, `metrics.loss.min`,
// `tags.stage`, `created`), and how to read each one's value from a loaded Run.
import type { Json, Run } from "../api";

export type MetricStat = "last" | "min" | "max";

export type Field =
  | { kind: "attr"; name: string }
  | { kind: "params" | "tags"; key: string }
  | { kind: "metrics"; key: string; stat: MetricStat };

/** The run attributes the table always shows, in order. */
export const ATTRIBUTE_COLUMNS = ["name", "status", "project", "created", "duration", "user"];

/** Every attribute the query language knows (for autocomplete). */
export const QUERY_ATTRIBUTES = [
  "id", "name", "project", "group", "parent", "status", "created", "finished",
  "duration", "user", "host", "git.commit", "git.branch",
];

const STATS: MetricStat[] = ["last", "min", "max"];

/** A key as the language writes it: bare when it can be, else double-quoted. */
function writeKey(key: string, dotsAllowed: boolean): string {
  const bare = dotsAllowed ? /^[A-Za-z0-9_\-/.]+$/ : /^[A-Za-z0-9_\-/]+$/;
  return bare.test(key) ? key : JSON.stringify(key);
}

export function fieldName(field: Field): string {
  switch (field.kind) {
    case "attr":
      return field.name;
    case "metrics":
      return `metrics.${writeKey(field.key, false)}.${field.stat}`;
    default:
      return `${field.kind}.${writeKey(field.key, true)}`;
  }
}

/** Reads back a key written by writeKey: a quoted string, or the bare rest. */
function readKey(rest: string): [string, string] {
  const quote = rest[0];
  if (quote !== '"' && quote !== "`") return [rest, ""];
  let i = 1;
  for (; i < rest.length && rest[i] !== quote; i++) if (rest[i] === "\\") i++;
  const body = rest.slice(1, i).replace(/\\(.)/g, "$1");
  return [body, rest.slice(i + 1)];
}

/** The Field a column name means, or null for a name the table does not know. */
export function parseField(name: string): Field | null {
  const dot = name.indexOf(".");
  const head = dot < 0 ? name : name.slice(0, dot);
  if (head === "params" || head === "tags") {
    const [key] = readKey(name.slice(dot + 1));
    return key ? { kind: head, key } : null;
  }
  if (head === "metrics") {
    const rest = name.slice(dot + 1);
    let key: string;
    let tail: string;
    if (rest[0] === '"' || rest[0] === "`") [key, tail] = readKey(rest);
    else {
      const last = rest.lastIndexOf(".");
      [key, tail] = last < 0 ? [rest, ""] : [rest.slice(0, last), rest.slice(last)];
    }
    const stat = (tail.replace(/^\./, "") || "last") as MetricStat;
    return key && STATS.includes(stat) ? { kind: "metrics", key, stat } : null;
  }
  return QUERY_ATTRIBUTES.includes(name) ? { kind: "attr", name } : null;
}

function attribute(run: Run, name: string, now: number): Json {
  switch (name) {
    case "created":
      return run.created_at;
    case "finished":
      return run.finished_at;
    case "duration":
      return (run.finished_at ?? now) - run.created_at;
    case "git.commit":
      return run.git_commit;
    case "git.branch":
      return run.git_branch;
    default:
      return (run as unknown as Record<string, Json>)[name] ?? null;
  }
}

/** The value of *field* for *run* (times in epoch ms, durations in ms); null when absent. */
export function fieldValue(run: Run, field: Field, now = Date.now()): Json {
  switch (field.kind) {
    case "attr":
      return attribute(run, field.name, now);
    case "params":
      return run.params[field.key] ?? null;
    case "tags":
      return run.tags[field.key] ?? null;
    case "metrics":
      return run.summaries[field.key]?.[field.stat] ?? null;
  }
}

/** The param, metric and tag column names found in *runs*, sorted. */
export function discoverColumns(runs: Run[]): string[] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  const tags = new Set<string>();
  for (const run of runs) {
    for (const key in run.params) params.add(key);
    for (const key in run.summaries) metrics.add(key);
    for (const key in run.tags) tags.add(key);
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return [
    ...sorted(params).map((key) => fieldName({ kind: "params", key })),
    ...sorted(metrics).flatMap((key) => STATS.map((stat) => fieldName({ kind: "metrics", key, stat }))),
    ...sorted(tags).map((key) => fieldName({ kind: "tags", key })),
  ];
}

/** The columns shown before any are chosen: the last value of up to 4 metrics, then up
 * to 3 params, in the order *available* lists them. */
export function defaultColumns(available: string[]): string[] {
  const metrics = available.filter((c) => c.startsWith("metrics.") && c.endsWith(".last")).slice(0, 4);
  const params = available.filter((c) => c.startsWith("params.")).slice(0, 3);
  return [...metrics, ...params];
}

// The UI's only way to the data: the server's REST API (/api/v1). Numbers that JSON
// cannot carry (NaN, ±inf) arrive tagged as {"$float": "nan"} and are decoded here.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface MetricSummary {
  key: string;
  count: number;
  last: number;
  last_step: number;
  last_time: number;
  max_step: number;
  min: number | null;
  max: number | null;
}

export interface Run {
  id: string;
  project: string;
  name: string;
  status: string;
  group: string | null;
  parent: string | null;
  notes: string | null;
  user: string | null;
  host: string | null;
  created_at: number;
  finished_at: number | null;
  error: Json;
  head_seq: number;
  head_hash: string;
  deleted_at: number | null;
  git_commit: string | null;
  git_branch: string | null;
  params: Record<string, Json>;
  tags: Record<string, string>;
  summaries: Record<string, MetricSummary>;
}

export interface RunPage {
  runs: Run[];
  next_cursor: string | null;
}

export interface Project {
  name: string;
  created_at: number;
  run_count: number;
}

export interface Buckets {
  key: string;
  /** With times=true: the time (Unix ms) of each bucket's last step, and of the first point. */
  time_end?: number[];
  time_first?: number | null;
  step_start: number[];
  step_end: number[];
  count: number[];
  first: number[];
  last: number[];
  min: number[];
  max: number[];
}

export interface Artifact {
  path: string;
  sha256: string;
  size: number;
  media_type: string;
  created_at: number;
}

export interface Identity {
  user: string;
  is_admin: boolean;
  roles: Record<string, string>;
  token: string | null;
  token_project: string | null;
}

export interface ColumnSchema {
  name: string;
  type: string;
}

/** A project's named dataset and how much it is used (names are namespaced per project). */
export interface DatasetSummary {
  project: string;
  name: string;
  versions: number;
  runs: number;
  created_at: number;
  updated_at: number;
}

/** One content version of a project's dataset (numbered in order of first sight). */
export interface DatasetVersion {
  project: string;
  name: string;
  digest: string;
  number: number;
  kind: string;
  label: string | null;
  uri: string | null;
  size: number | null;
  rows: number | null;
  schema: ColumnSchema[] | null;
  /** Shape depends on kind: {rows, columns: [...]}, {arrays: [...]}, {files, extensions}… */
  profile: Record<string, Json> | null;
  sources: Record<string, Json>[];
  datasheet: Record<string, Json> | null;
  description: string | null;
  manifest_sha256: string | null;
  first_run: string | null;
  created_at: number;
  runs: number;
}

/** A run read (input) or produced (output) a dataset version. */
export interface DatasetUse {
  run_id: string;
  project: string;
  run_name: string;
  name: string;
  digest: string;
  number: number;
  role: string | null;
  direction: "input" | "output";
  time: number;
}

export interface TensorSpec {
  name: string | null;
  dtype: string | null;
  shape: number[] | null;
}

export interface ModelFile {
  path: string;
  sha256: string;
  size: number;
}

/** A model a run logged (run.log_model). */
export interface RunModel {
  run_id: string;
  name: string;
  digest: string;
  flavor: string;
  format: string;
  path: string;
  size: number;
  files: ModelFile[];
  meta: {
    frameworks?: Record<string, string>;
    model_class?: string | null;
    signature?: { inputs: TensorSpec[]; outputs: TensorSpec[] } | null;
    risks?: string[];
  };
  created_at: number;
}

export interface RegisteredModel {
  name: string;
  project: string;
  description: string | null;
  tags: Record<string, string>;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  latest_version: number | null;
  aliases: Record<string, number>;
  head_seq: number;
  head_hash: string;
}

export interface ModelVersion {
  model: string;
  version: number;
  run_id: string | null;
  run_model: string | null;
  digest: string;
  flavor: string | null;
  files: ModelFile[];
  description: string | null;
  tags: Record<string, string>;
  status: "ready" | "deprecated";
  status_reason: string | null;
  created_at: number;
  created_by: string | null;
  aliases: string[];
}

/** One entry of a registered model's hash chain. */
export interface RegistryEvent {
  seq: number;
  type: string;
  time: number;
  prev: string;
  hash: string;
  body: Record<string, Json>;
}

export type LineageKind = "dataset" | "run" | "model" | "alias";
export type LineageDirection = "upstream" | "downstream" | "both";

export interface LineageNode {
  id: string;
  kind: LineageKind;
  label: string;
  attrs: Record<string, Json>;
}

export interface LineageEdge {
  source: string;
  target: string;
  kind: string;
}

export interface Lineage {
  root: string;
  direction: LineageDirection;
  depth: number;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** An interval estimate: the point value and its [low, high] bounds (null when undefined). */
export interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
}

export type EvaluationStatus = "pass" | "fail" | "inconclusive" | "none";
export type Outcome = "pass" | "fail" | "inconclusive";

/** One rule of a criteria set: metric op threshold, at a confidence, maybe per group column. */
export interface Criterion {
  metric: string;
  op: string;
  threshold: number;
  confidence: number;
  group: string | null;
}

/** A criterion judged on one scope: the whole set, all groups combined, or one group. */
export interface Verdict {
  criterion: Criterion;
  scope: "overall" | "combined" | "group";
  group: string | null;
  n: number | null;
  value: number | null;
  low: number | null;
  high: number | null;
  level: number;
  outcome: Outcome;
}

/** The index row of an evaluation (GET /evaluations, /evaluations/{id}). */
export interface EvaluationRecord {
  id: string;
  run_id: string;
  seq: number;
  time: number;
  started_at: number;
  target: string | null;
  dataset_name: string;
  dataset_digest: string;
  criteria_id: string | null;
  task: string;
  n: number;
  status: EvaluationStatus;
  metrics: Record<string, Estimate>;
  verdicts: Verdict[];
  limitations: string[];
  result_path: string;
  result_sha256: string;
}

/** One cell of a grouping level (e.g. sex=F, or sex=F & age=18-30). */
export interface GroupCell {
  group: string;
  level: string;
  values: Record<string, Json>;
  n: number;
  metrics: Record<string, Estimate>;
  confusion_matrix?: number[][] | null;
  small: boolean;
  small_reasons: string[];
}

export interface WorstCell extends Estimate {
  group: string;
  level: string;
  n: number;
  small: boolean;
}

/** How an interval was made: wilson, bootstrap (resamples, seed), … */
export interface IntervalMethod {
  method: string;
  level?: number;
  resamples?: number;
  seed?: number;
  [key: string]: Json | undefined;
}

export interface Limitation {
  kind: string;
  text: string;
  [key: string]: Json;
}

/** The full result (the run artifact, format trackrecord-evaluation-v1). */
export interface EvaluationResult {
  format: string;
  task: string;
  n: number;
  seed: number;
  n_resamples: number;
  confidence: number;
  labels: Json[] | null;
  positive_label: Json;
  metrics: Record<string, Estimate>;
  methods: Record<string, IntervalMethod | Record<string, IntervalMethod>>;
  confusion_matrix: number[][] | null;
  groups: Record<string, GroupCell[]>;
  worst: Record<string, WorstCell[]>;
  verdicts: Verdict[];
  curves: {
    roc?: { fpr: number[]; tpr: number[] };
    pr?: { recall: number[]; precision: number[] };
    calibration?: { bin_edges: number[]; mean_predicted: (number | null)[]; fraction_positive: (number | null)[]; count: number[] };
  };
  limitations: Limitation[];
  warnings: string[];
}

export interface CriteriaSet {
  id: string;
  target: string;
  chain: string;
  seq: number;
  time: number;
  actor: string | null;
  reason: string | null;
  criteria: Criterion[];
  supersedes: string | null;
}

/** One side of a comparison. */
export interface ComparedEvaluation {
  id: string;
  target: string | null;
  run_id: string;
  status: EvaluationStatus;
  dataset: string;
  digest: string;
  n: number;
}

export interface MetricComparison {
  metric: string;
  a: Estimate;
  b: Estimate;
  difference: number | null;
  /** The two intervals do not overlap. */
  clear: boolean;
}

export interface EvaluationComparison {
  a: ComparedEvaluation;
  b: ComparedEvaluation;
  metrics: MetricComparison[];
  notes: string[];
}

/** Where an Annex IV field's content came from. */
export type AnnexSource = "automatic" | "attached" | "manual" | "missing";

export interface AnnexField {
  key: string;
  label: string;
  source: AnnexSource;
  value: Json;
  draws_from: string;
  /** For manual fields: what Annex IV asks for. */
  asks?: string;
}

export interface AnnexItem {
  number: number;
  title: string;
  reference: string;
  fields: AnnexField[];
}

/** One item's counts of fields by source, and the keys of those missing. */
export interface CompletenessRow {
  item: number;
  title: string;
  fields: number;
  automatic: number;
  attached: number;
  manual: number;
  missing: number;
  missing_fields: string[];
}

export interface CompletenessTotal {
  fields: number;
  automatic: number;
  attached: number;
  manual: number;
  missing: number;
}

export interface Completeness {
  items: CompletenessRow[];
  total: CompletenessTotal;
  complete: boolean;
}

export interface VerificationCheck {
  kind: string;
  target: string;
  ok: boolean;
  detail: string;
  skipped: boolean;
}

/** The re-check of every chain, artifact and signature behind a version (?verify=true). */
export interface Verification {
  ok: boolean | null;
  uri?: string;
  digest?: string;
  checks_total: number;
  failed: number;
  not_reachable: number;
  checks: VerificationCheck[];
}

/** A version's EU AI Act Annex IV technical documentation (format trackrecord-annex-iv-v1). */
export interface AnnexIV {
  format: string;
  title: string;
  subject: { model: string; version: number; uri: string; digest: string };
  as_of: string | null;
  items: AnnexItem[];
  completeness: Completeness;
  built_from: Record<string, Json>;
  verification: Verification | null;
}

export type AnnexFormat = "json" | "html" | "pdf";

/** A signature on a record, checked now: valid, or the problem. */
export interface SignatureRecord {
  id: string;
  target: string;
  record_hash: string;
  key_id: string;
  signer: string;
  meaning: string;
  signature: string;
  time: number;
  valid: boolean;
  problem: string | null;
}

export interface LegalHold {
  id: string;
  target: string;
  reason: string;
  actor: string;
  created_at: number;
  released_at?: number | null;
  released_by?: string | null;
  release_reason?: string | null;
}

/** A file kept with a version in the store (a generated document, an attachment, data). */
export interface KeptFile {
  path: string;
  sha256: string;
  size: number;
  role: "document" | "manual" | "attachment" | "data";
  title?: string | null;
}

/** Files kept together by one registry event of the model. */
export interface KeptSet {
  model: string;
  version: number;
  kind: "documents" | "data";
  seq: number;
  time: number;
  actor: string | null;
  files: KeptFile[];
}

/** Whether a version is on the market (its evidence kept until when), its holds, the log
 * retention (a calendar period such as "6 months"), and the files kept with it. */
export interface Retention {
  placed: null | { placed_at: number; retention_days: number; actor: string; until: number };
  holds: LegalHold[];
  log_retention?: string;
  log_retention_days: number;
  kept?: KeptSet[];
}

/** An error the server reported, in its one shape {"error": {"code", "message"}}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "trackrecord.token";

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };

/** JSON.parse that turns {"$float": "nan" | "inf" | "-inf"} back into numbers. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, value) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === "$float") return SPECIAL[value.$float as string] ?? NaN;
    }
    return value;
  });
}

type Params = Record<string, string | number | boolean | string[] | null | undefined>;

function query(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  // A server without auth takes writes only with this header: no other web page can send it.
  headers.set("X-TrackRecord-Client", "web");
  const token = getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(`/api/v1${path}`, { ...init, headers });
  const text = await response.text();
  if (!response.ok) {
    let code = "ERROR";
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = decodeJson(text) as { error: { code: string; message: string } };
      ({ code, message } = body.error);
    } catch {
      /* not our error shape: keep the status line */
    }
    throw new ApiError(response.status, code, message);
  }
  return decodeJson(text) as T;
}

const enc = encodeURIComponent;

function jsonBody(method: string, body: unknown): RequestInit {
  return { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

export const api = {
  whoami: () => request<Identity>("/whoami"),
  projects: () => request<Project[]>("/projects"),
  searchRuns: (p: { q?: string; project?: string; order?: string[]; limit?: number; cursor?: string }) =>
    request<RunPage>(`/runs${query({ q: p.q, project: p.project, order: p.order, limit: p.limit, cursor: p.cursor })}`),
  run: (id: string) => request<Run>(`/runs/${encodeURIComponent(id)}`),
  buckets: (id: string, key: string, buckets: number, from?: number, to?: number, times = false) =>
    request<Buckets>(`/runs/${encodeURIComponent(id)}/metrics/${key.split("/").map(encodeURIComponent).join("/")}${query({ buckets, from, to, times: times || undefined })}`),
  artifacts: (id: string) => request<Artifact[]>(`/runs/${encodeURIComponent(id)}/artifacts`),
  artifactUrl: (sha256: string) => `/api/v1/artifacts/${sha256}`,
  datasets: () => request<DatasetSummary[]>("/datasets"),
  datasetVersions: (name: string, project?: string) =>
    request<DatasetVersion[]>(`/datasets/${enc(name)}/versions${query({ project })}`),
  datasetVersion: (name: string, version: string | number, project?: string) =>
    request<DatasetVersion>(`/datasets/${enc(name)}/versions/${enc(String(version))}${query({ project })}`),
  datasetUses: (name: string, digest?: string, project?: string) =>
    request<DatasetUse[]>(`/datasets/${enc(name)}/uses${query({ digest, project })}`),
  runDatasets: (id: string) => request<DatasetUse[]>(`/runs/${enc(id)}/datasets`),
  runModels: (id: string) => request<RunModel[]>(`/runs/${enc(id)}/models`),
  models: () => request<RegisteredModel[]>("/models"),
  model: (name: string) => request<RegisteredModel>(`/models/${enc(name)}`),
  modelVersions: (name: string) => request<ModelVersion[]>(`/models/${enc(name)}/versions`),
  modelHistory: (name: string) => request<RegistryEvent[]>(`/models/${enc(name)}/history`),
  setAlias: (name: string, alias: string, version: number, reason: string) =>
    request<unknown>(`/models/${enc(name)}/aliases/${enc(alias)}`, jsonBody("PUT", { version, reason })),
  deleteAlias: (name: string, alias: string, reason: string) =>
    request<unknown>(`/models/${enc(name)}/aliases/${enc(alias)}${query({ reason })}`, { method: "DELETE" }),
  deprecateVersion: (name: string, version: number, reason: string) =>
    request<ModelVersion>(`/models/${enc(name)}/versions/${version}`, jsonBody("PATCH", { status: "deprecated", reason })),
  lineage: (node: string, direction: LineageDirection, depth: number) =>
    request<Lineage>(`/lineage${query({ node, direction, depth })}`),
  evaluations: (by: { target?: string; run_id?: string }) =>
    request<EvaluationRecord[]>(`/evaluations${query({ target: by.target, run_id: by.run_id })}`),
  evaluation: (id: string) => request<EvaluationRecord>(`/evaluations/${enc(id)}`),
  /** The full result: the evaluation's JSON artifact. */
  evaluationResult: (sha256: string) => request<EvaluationResult>(`/artifacts/${enc(sha256)}`),
  compareEvaluations: (a: string, b: string) => request<EvaluationComparison>(`/evaluations/compare${query({ a, b })}`),
  criteriaSet: (id: string) => request<CriteriaSet>(`/criteria/${enc(id)}`),
  /** Where a version's Annex IV document is, as JSON, HTML or PDF. */
  annexIvUrl: (name: string, version: string | number, format: AnnexFormat) =>
    `/api/v1/models/${enc(name)}/versions/${enc(String(version))}/annex-iv${format === "json" ? "" : `?format=${format}`}`,
  annexIv: (name: string, version: string | number, verify = false) =>
    request<AnnexIV>(`/models/${enc(name)}/versions/${enc(String(version))}/annex-iv${query({ verify: verify || undefined })}`),
  signatures: (target: string) => request<SignatureRecord[]>(`/signatures${query({ target })}`),
  policies: (name: string) => request<Record<string, number>>(`/models/${enc(name)}/policies`),
  retention: (name: string, version: string | number) =>
    request<Retention>(`/models/${enc(name)}/versions/${enc(String(version))}/retention`),
  modelVersion: (name: string, version: string | number) =>
    request<ModelVersion>(`/models/${enc(name)}/versions/${enc(String(version))}`),
};

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
};

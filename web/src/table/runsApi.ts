// Loading the runs of a view: a small first page at once (so the table shows in a
// moment), then every further page of the search (up to MAX_RUNS) in the background;
// and a cheap refresh of the runs still going.
import { api, request, type Project, type Run, type RunPage } from "../api";

export const FIRST_PAGE = 200;
export const PAGE_SIZE = 5000;
export const MAX_RUNS = 50000;

export interface Search {
  q: string;
  project: string;
  order: string[];
}

export interface Loaded {
  runs: Run[];
  truncated: boolean;
  done: boolean;
}

/** All runs of *search*, following next_cursor; *truncated* when MAX_RUNS was reached.
 *
 * *onPage* sees the runs loaded so far after each page (the first one small), and
 * loading stops early when *wanted* turns false (the view changed meanwhile). */
export async function fetchRuns(
  search: Search,
  onPage: (loaded: Loaded) => void = () => {},
  wanted: () => boolean = () => true,
): Promise<Loaded> {
  const runs: Run[] = [];
  let cursor: string | undefined;
  do {
    const page: RunPage = await api.searchRuns({
      q: search.q || undefined,
      project: search.project || undefined,
      order: search.order,
      limit: runs.length === 0 ? FIRST_PAGE : PAGE_SIZE,
      cursor,
    });
    runs.push(...page.runs);
    cursor = page.next_cursor ?? undefined;
    const more = cursor !== undefined && runs.length < MAX_RUNS;
    if (!wanted()) break;
    onPage({ runs: [...runs], truncated: cursor !== undefined && !more, done: !more });
  } while (cursor && runs.length < MAX_RUNS);
  return { runs, truncated: cursor !== undefined, done: true };
}

/** The current state of the runs *ids*, asked for by id, in batches that keep queries short. */
export async function fetchRunsById(ids: string[], batch = 200): Promise<Run[]> {
  const pages = [];
  for (let i = 0; i < ids.length; i += batch) {
    const chunk = ids.slice(i, i + batch);
    const q = `id in (${chunk.map((id) => JSON.stringify(id)).join(", ")})`;
    pages.push(api.searchRuns({ q, limit: chunk.length }));
  }
  return (await Promise.all(pages)).flatMap((page) => page.runs);
}

/** *runs* with each run replaced by its fresher copy in *updates*, order kept. */
export function mergeRuns(runs: Run[], updates: Run[]): Run[] {
  if (updates.length === 0) return runs;
  const byId = new Map(updates.map((run) => [run.id, run]));
  return runs.map((run) => byId.get(run.id) ?? run);
}

export const fetchProjects = () => request<Project[]>("/projects");

// Loading the runs of a view: every page of the search (up to MAX_RUNS), and a cheap
// refresh of the runs still going.
import { api, request, type Project, type Run, type RunPage } from "../api";

export const PAGE_SIZE = 10000;
export const MAX_RUNS = 50000;

export interface Search {
  q: string;
  project: string;
  order: string[];
}

/** All runs of *search*, following next_cursor; *truncated* when MAX_RUNS was reached. */
export async function fetchRuns(search: Search): Promise<{ runs: Run[]; truncated: boolean }> {
  const runs: Run[] = [];
  let cursor: string | undefined;
  do {
    const page: RunPage = await api.searchRuns({
      q: search.q || undefined,
      project: search.project || undefined,
      order: search.order,
      limit: PAGE_SIZE,
      cursor,
    });
    runs.push(...page.runs);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && runs.length < MAX_RUNS);
  return { runs, truncated: cursor !== undefined };
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

// A Run factory for the table's tests.
import type { Run } from "../api";

export function makeRun(id: string, over: Partial<Run> = {}): Run {
  return {
    id, project: "p", name: `run-${id}`, status: "finished", group: null, parent: null, notes: null,
    user: "ana", host: "h", created_at: 1_000_000, finished_at: 1_090_000, error: null, head_seq: 0,
    head_hash: "", deleted_at: null, git_commit: null, git_branch: null, params: {}, tags: {}, summaries: {},
    ...over,
  };
}

export function summary(key: string, last: number, min: number | null = last, max: number | null = last) {
  return { key, count: 1, last, last_step: 0, last_time: 0, max_step: 0, min, max };
}

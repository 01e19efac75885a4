import { afterEach, describe, expect, it, vi } from "vitest";
import { FIRST_PAGE, PAGE_SIZE, fetchRuns, fetchRunsById, mergeRuns } from "./runsApi";
import { makeRun } from "./testRuns";

afterEach(() => vi.unstubAllGlobals());

function stubPages(pages: Record<string, { runs: unknown[]; next_cursor: string | null }>) {
  const urls: URL[] = [];
  vi.stubGlobal("fetch", (input: string) => {
    const url = new URL(input, "http://localhost");
    urls.push(url);
    const body = pages[url.searchParams.get("cursor") ?? ""] ?? { runs: [], next_cursor: null };
    return Promise.resolve(new Response(JSON.stringify(body)));
  });
  return urls;
}

describe("runsApi", () => {
  it("follows next_cursor and passes the search", async () => {
    const urls = stubPages({ "": { runs: [makeRun("a")], next_cursor: "c1" }, c1: { runs: [makeRun("b")], next_cursor: null } });
    const result = await fetchRuns({ q: "params.lr > 0", project: "p", order: ["-name", "created"] });
    expect(result.runs.map((r) => r.id)).toEqual(["a", "b"]);
    expect(result.truncated).toBe(false);
    expect(urls[0].searchParams.getAll("order")).toEqual(["-name", "created"]);
    expect(urls[0].searchParams.get("q")).toBe("params.lr > 0");
    expect(urls[1].searchParams.get("cursor")).toBe("c1");
  });

  it("shows a small first page at once, then the rest in larger pages", async () => {
    const urls = stubPages({ "": { runs: [makeRun("a")], next_cursor: "c1" }, c1: { runs: [makeRun("b")], next_cursor: null } });
    const seen: string[][] = [];
    await fetchRuns({ q: "", project: "", order: [] }, (loaded) => seen.push(loaded.runs.map((r) => r.id)));
    expect(seen).toEqual([["a"], ["a", "b"]]);
    expect(urls.map((u) => Number(u.searchParams.get("limit")))).toEqual([FIRST_PAGE, PAGE_SIZE]);
  });

  it("stops loading when the view is no longer wanted", async () => {
    const urls = stubPages({ "": { runs: [makeRun("a")], next_cursor: "c1" }, c1: { runs: [makeRun("b")], next_cursor: null } });
    const seen: number[] = [];
    await fetchRuns({ q: "", project: "", order: [] }, (loaded) => seen.push(loaded.runs.length), () => false);
    expect(seen).toEqual([]);
    expect(urls).toHaveLength(1);
  });

  it("asks for running runs by id in batches", async () => {
    const urls = stubPages({});
    await fetchRunsById(["a", "b", "c"], 2);
    expect(urls.map((u) => u.searchParams.get("q"))).toEqual(['id in ("a", "b")', 'id in ("c")']);
  });

  it("merges fresher copies in place", () => {
    const merged = mergeRuns([makeRun("a"), makeRun("b")], [makeRun("b", { status: "failed" })]);
    expect(merged.map((r) => [r.id, r.status])).toEqual([["a", "finished"], ["b", "failed"]]);
  });
});

import { describe, expect, it } from "vitest";
import { aggregate, groupRuns } from "./grouping";
import { nextRunRow, tableRows } from "./rows";
import { makeRun, summary } from "./testRuns";

const runs = [
  makeRun("a", { params: { opt: "adam" }, summaries: { loss: summary("loss", 1, 0.5) } }),
  makeRun("b", { params: { opt: "sgd" }, summaries: { loss: summary("loss", 3, 2) } }),
  makeRun("c", { params: { opt: "adam" }, summaries: { loss: summary("loss", 2, NaN) } }),
  makeRun("d", { params: {} }),
];

describe("aggregate", () => {
  it("ignores non-numbers and non-finite values", () => {
    expect(aggregate([1, 2, NaN, null, "x", 3])).toEqual({ mean: 2, min: 1, max: 3, count: 3 });
    expect(aggregate([null])).toBeNull();
  });
});

describe("groupRuns", () => {
  it("groups in order of first appearance with metric aggregates", () => {
    const groups = groupRuns(runs, "params.opt", ["metrics.loss.last", "metrics.loss.min"]);
    expect(groups.map((g) => [g.value, g.runs.map((r) => r.id)])).toEqual([
      ["adam", ["a", "c"]], ["sgd", ["b"]], ["", ["d"]],
    ]);
    expect(groups[0].aggregates["metrics.loss.last"]).toEqual({ mean: 1.5, min: 1, max: 2, count: 2 });
    expect(groups[0].aggregates["metrics.loss.min"]).toEqual({ mean: 0.5, min: 0.5, max: 0.5, count: 1 });
    expect(groups[2].aggregates).toEqual({});
  });

  it("flattens into header and run rows, and moves between run rows", () => {
    const rows = tableRows(runs, "params.opt", []);
    expect(rows.map((r) => (r.kind === "group" ? `g:${r.group.value}` : r.run.id))).toEqual([
      "g:adam", "a", "c", "g:sgd", "b", "g:", "d",
    ]);
    expect(nextRunRow(rows, 2, 1)).toBe(4);
    expect(nextRunRow(rows, 1, -1)).toBe(1);
    expect(nextRunRow(rows, 6, 1)).toBe(6);
    expect(tableRows(runs, "", []).length).toBe(4);
  });
});

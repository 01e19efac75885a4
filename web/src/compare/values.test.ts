import { describe, expect, it } from "vitest";
import type { Run } from "../api";
import { compareRows, differs, formatCell, sameValue, sharedMetricKeys, unionKeys } from "./values";

function run(params: Run["params"], summaries: Record<string, { last: number; min: number | null; max: number | null }> = {}): Run {
  const full = Object.fromEntries(
    Object.entries(summaries).map(([key, s]) => [key, { key, count: 1, last_step: 0, last_time: 0, max_step: 0, ...s }]),
  );
  return { id: "r", name: "r", params, summaries: full, tags: {} } as unknown as Run;
}

describe("unionKeys", () => {
  it("lists every key once, sorted", () => {
    expect(unionKeys([{ b: 1, a: 2 }, { c: 3, a: 4 }, {}])).toEqual(["a", "b", "c"]);
  });
});

describe("sameValue", () => {
  it("treats NaN as equal to NaN but not to a number", () => {
    expect(sameValue(NaN, NaN)).toBe(true);
    expect(sameValue(NaN, 1)).toBe(false);
    expect(sameValue(Infinity, -Infinity)).toBe(false);
  });
  it("compares nested values by content, ignoring key order", () => {
    expect(sameValue({ opt: { lr: 0.1, betas: [0.9, NaN] } }, { opt: { betas: [0.9, NaN], lr: 0.1 } })).toBe(true);
    expect(sameValue({ opt: { lr: 0.1 } }, { opt: { lr: 0.2 } })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
    expect(sameValue([1], { 0: 1 })).toBe(false);
  });
  it("distinguishes types and missing values", () => {
    expect(sameValue(1, "1")).toBe(false);
    expect(sameValue(null, undefined)).toBe(false);
    expect(sameValue(undefined, undefined)).toBe(true);
  });
});

describe("differs", () => {
  it("is false when all cells agree and true otherwise", () => {
    expect(differs([NaN, NaN, NaN])).toBe(false);
    expect(differs([1, 1, 2])).toBe(true);
    expect(differs([1, undefined])).toBe(true);
    expect(differs([])).toBe(false);
  });
});

describe("formatCell", () => {
  it("shows missing, numbers, strings and nested values", () => {
    expect(formatCell(undefined)).toBe("—");
    expect(formatCell(0.1 + 0.2)).toBe("0.3");
    expect(formatCell(NaN)).toBe("NaN");
    expect(formatCell("adam")).toBe("adam");
    expect(formatCell({ a: [1, NaN] })).toBe('{"a":[1,"NaN"]}');
  });
});

describe("compareRows", () => {
  it("makes a row per union param and per metric statistic, marking differences", () => {
    const rows = compareRows([
      run({ lr: 0.1, opt: "adam" }, { loss: { last: 0.5, min: 0.4, max: 2 } }),
      run({ lr: 0.2, opt: "adam", seed: 1 }, { loss: { last: 0.5, min: 0.3, max: 2 } }),
    ]);
    expect(rows.map((r) => [r.label, r.differs])).toEqual([
      ["lr", true],
      ["opt", false],
      ["seed", true],
      ["loss · last", false],
      ["loss · min", true],
      ["loss · max", false],
    ]);
    expect(rows[2].cells).toEqual([undefined, 1]);
  });
});

describe("sharedMetricKeys", () => {
  it("keeps only metrics every run logged", () => {
    const a = run({}, { loss: { last: 1, min: 1, max: 1 }, acc: { last: 1, min: 1, max: 1 } });
    const b = run({}, { loss: { last: 1, min: 1, max: 1 } });
    expect(sharedMetricKeys([a, b])).toEqual(["loss"]);
  });
});

import { describe, expect, it } from "vitest";
import type { Buckets } from "../api";
import { alignRuns, bucketX, bucketsToSeries, ema, plottable, readout, stepRange } from "./series";

function buckets(part: Partial<Buckets>): Buckets {
  return { key: "loss", step_start: [], step_end: [], count: [], first: [], last: [], min: [], max: [], ...part };
}

describe("bucketsToSeries", () => {
  it("puts each bucket at its last step with last as the line and min/max as the band", () => {
    const s = bucketsToSeries(buckets({ step_start: [0, 10], step_end: [9, 19], last: [2, 1], min: [1, 0.5], max: [5, 9] }));
    expect(s).toEqual({ x: [9, 19], line: [2, 1], lo: [1, 0.5], hi: [5, 9] });
  });

  it("skips NaN and infinities", () => {
    const s = bucketsToSeries(buckets({ step_end: [1, 2, 3], last: [NaN, Infinity, 1], min: [-Infinity, 0, 1], max: [NaN, 2, 1] }));
    expect(s.line).toEqual([null, null, 1]);
    expect(s.lo).toEqual([null, 0, 1]);
    expect(s.hi).toEqual([null, 2, 1]);
  });

  it("drops values that a log axis cannot show", () => {
    const s = bucketsToSeries(buckets({ step_end: [1, 2], last: [0, 3], min: [-1, 3], max: [1, 3] }), true);
    expect(s.line).toEqual([null, 3]);
    expect(s.lo).toEqual([null, 3]);
    expect(plottable(-2)).toBe(-2);
  });
});

describe("ema", () => {
  it("leaves values alone at weight 0", () => {
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3]);
  });

  it("smooths with the previous value weighted", () => {
    expect(ema([0, 10, 10], 0.5)).toEqual([0, 5, 7.5]);
  });

  it("keeps gaps without resetting the average", () => {
    expect(ema([4, null, 0], 0.5)).toEqual([4, null, 2]);
  });
});

describe("alignRuns", () => {
  it("joins runs on the union of their steps, null where a run has none", () => {
    const a = { x: [1, 3], line: [10, 30], lo: [9, 29], hi: [11, 31] };
    const b = { x: [2, 3], line: [20, 33], lo: [20, 33], hi: [20, 33] };
    expect(alignRuns([a, b])).toEqual([
      [1, 2, 3],
      [10, null, 30], [9, null, 29], [11, null, 31],
      [null, 20, 33], [null, 20, 33], [null, 20, 33],
    ]);
  });

  it("aligns 20 runs of 1,000 buckets quickly", () => {
    const runs = Array.from({ length: 20 }, (_, r) => {
      const x = Array.from({ length: 1000 }, (_, i) => i * 100 + r);
      return { x, line: x.map(Math.sqrt), lo: x.map(Math.sqrt), hi: x.map(Math.sqrt) };
    });
    const start = performance.now();
    const data = alignRuns(runs);
    expect(performance.now() - start).toBeLessThan(500);
    expect(data[0]).toHaveLength(20_000);
    expect(data).toHaveLength(61);
  });
});

describe("stepRange", () => {
  it("orders and widens to whole steps", () => {
    expect(stepRange(20.4, 3.6)).toEqual([3, 21]);
  });
});

describe("readout", () => {
  const aligned = [
    [0, 10, 20],
    [1, 0.5, NaN], [0.9, 0.4, null], [1.1, 0.6, null],
    [2, null, 1.5], [2, null, 1.5], [2, null, 1.5],
  ];
  it("gives the step and each run's line value under the cursor", () => {
    expect(readout(aligned, ["a", "b"], 1)).toEqual({ step: 10, values: [{ label: "a", value: 0.5 }, { label: "b", value: null }] });
    expect(readout(aligned, ["a", "b"], 2)?.values.map((v) => v.value)).toEqual([null, 1.5]);
  });
  it("is empty off the plot", () => {
    expect(readout(aligned, ["a", "b"], null)).toBeNull();
    expect(readout(aligned, ["a", "b"], 3)).toBeNull();
  });
});

describe("bucketX", () => {
  const b = {
    key: "loss", step_start: [0, 10], step_end: [9, 19], count: [10, 10], first: [1, 1], last: [1, 1],
    min: [1, 1], max: [1, 1], time_end: [5_000, 9_000], time_first: 1_000,
  };
  it("is the last step, the time in seconds, or the seconds since the first point", () => {
    expect(bucketX(b, "step")).toEqual([9, 19]);
    expect(bucketX(b, "time")).toEqual([5, 9]);
    expect(bucketX(b, "relative")).toEqual([4, 8]);
  });
  it("falls back to steps without times from the server", () => {
    const { time_end: _, time_first: __, ...plain } = b;
    expect(bucketX(plain, "time")).toEqual([9, 19]);
  });
});

import { describe, expect, it } from "vitest";
import { rowShares } from "./confusion";
import { curveColumns } from "./curves";
import { parseModelTarget } from "./target";

describe("curve columns", () => {
  it("sorts by x and drops unknown points", () => {
    const [x, y] = curveColumns([1, 0.5, null, 0.2], [0.9, 0.7, 0.1, null]);
    expect(Array.from(x)).toEqual([0.5, 1]);
    expect(Array.from(y)).toEqual([0.7, 0.9]);
  });

  it("adds a y = x diagonal over [0, 1]", () => {
    const [x, y, d] = curveColumns([0.3, 0.6], [0.2, 0.7], true);
    expect(Array.from(x)).toEqual([0, 0.3, 0.6, 1]);
    expect(Array.from(y)).toEqual([null, 0.2, 0.7, null]);
    expect(Array.from(d)).toEqual([0, 0.3, 0.6, 1]);
  });
});

describe("confusion shares and targets", () => {
  it("normalises each row", () => {
    expect(rowShares([[3, 1], [0, 0]])).toEqual([[0.75, 0.25], [0, 0]]);
  });

  it("reads model targets", () => {
    expect(parseModelTarget("model:credit/risk/2")).toEqual({ name: "credit/risk", version: "2" });
    expect(parseModelTarget("run:abc")).toBeNull();
  });
});

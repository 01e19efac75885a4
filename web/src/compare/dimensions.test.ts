import { describe, expect, it } from "vitest";
import type { Run } from "../api";
import { defaultAxes, metricDimensions, paramDimensions } from "./dimensions";

const run = (params: Run["params"], last: Record<string, number>): Run =>
  ({ id: "r", name: "r", params, summaries: Object.fromEntries(Object.entries(last).map(([k, v]) => [k, { key: k, last: v }])) }) as unknown as Run;

describe("dimensions", () => {
  const runs = [run({ lr: 0.1, seed: 1 }, { loss: 1, odd: NaN }), run({ lr: 0.2, seed: 1 }, { loss: 2, odd: 3 })];
  it("reads params and metrics' last values, undefined where missing", () => {
    expect(paramDimensions(runs).map((d) => d.id)).toEqual(["p:lr", "p:seed"]);
    const [loss] = metricDimensions(runs).filter((d) => d.id === "m:loss");
    expect(runs.map(loss.cell)).toEqual([1, 2]);
    expect(metricDimensions(runs)[0].cell(run({}, {}))).toBeUndefined();
  });
  it("defaults to varying params and metrics finite in every run", () => {
    expect(defaultAxes(runs)).toEqual(["p:lr", "m:loss"]);
    expect(defaultAxes(runs, 1)).toEqual(["p:lr"]);
  });
});

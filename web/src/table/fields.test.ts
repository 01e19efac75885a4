import { describe, expect, it } from "vitest";
import { defaultColumns, discoverColumns, fieldName, fieldValue, parseField } from "./fields";
import { makeRun, summary } from "./testRuns";

describe("field names", () => {
  it("writes keys bare when the language allows, else quoted", () => {
    expect(fieldName({ kind: "params", key: "optimizer.lr" })).toBe("params.optimizer.lr");
    expect(fieldName({ kind: "params", key: "odd key" })).toBe('params."odd key"');
    expect(fieldName({ kind: "metrics", key: "train/loss", stat: "min" })).toBe("metrics.train/loss.min");
    expect(fieldName({ kind: "metrics", key: "acc.top1", stat: "max" })).toBe('metrics."acc.top1".max');
  });

  it("parses back what it writes", () => {
    for (const field of [
      { kind: "params", key: "odd key" },
      { kind: "params", key: "a.b" },
      { kind: "tags", key: "stage" },
      { kind: "metrics", key: "acc.top1", stat: "last" },
      { kind: "metrics", key: "loss", stat: "min" },
      { kind: "attr", name: "created" },
    ] as const) {
      expect(parseField(fieldName(field))).toEqual(field);
    }
    expect(parseField("metrics.loss")).toEqual({ kind: "metrics", key: "loss", stat: "last" });
    expect(parseField("bogus")).toBeNull();
  });
});

describe("fieldValue", () => {
  const run = makeRun("a", {
    params: { lr: 0.1 }, tags: { stage: "prod" }, summaries: { loss: summary("loss", 0.5, 0.2, 0.9) },
  });
  it("reads params, tags, metric summaries and attributes", () => {
    expect(fieldValue(run, parseField("params.lr")!)).toBe(0.1);
    expect(fieldValue(run, parseField("tags.stage")!)).toBe("prod");
    expect(fieldValue(run, parseField("metrics.loss.min")!)).toBe(0.2);
    expect(fieldValue(run, parseField("metrics.nope.min")!)).toBeNull();
    expect(fieldValue(run, parseField("duration")!)).toBe(90_000);
    expect(fieldValue({ ...run, finished_at: null }, parseField("duration")!, 1_005_000)).toBe(5_000);
  });

  it("discovers param, metric and tag columns", () => {
    expect(discoverColumns([run])).toEqual([
      "params.lr", "metrics.loss.last", "metrics.loss.min", "metrics.loss.max", "tags.stage",
    ]);
  });
});

describe("defaultColumns", () => {
  it("shows the last value of a few metrics, then a few params", () => {
    const available = ["params.a", "params.b", "params.c", "params.d", "metrics.loss.last",
      "metrics.loss.min", "metrics.m1.last", "metrics.m2.last", "metrics.m3.last", "metrics.m4.last", "tags.t"];
    expect(defaultColumns(available)).toEqual([
      "metrics.loss.last", "metrics.m1.last", "metrics.m2.last", "metrics.m3.last",
      "params.a", "params.b", "params.c",
    ]);
  });
});

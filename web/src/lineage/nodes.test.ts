import { describe, expect, it } from "vitest";
import type { LineageNode } from "../api";
import { nodeSubtitle, nodeUrl } from "./nodes";
import { viewFromParams, viewToUrl } from "./view";

const node = (id: string, kind: LineageNode["kind"], attrs: LineageNode["attrs"] = {}): LineageNode => ({ id, kind, label: id, attrs });

describe("nodeUrl", () => {
  it("opens the page of each kind of node", () => {
    expect(nodeUrl(node("dataset:clean@abc", "dataset", { name: "clean", number: 2 }))).toBe("/datasets/clean?v=2");
    expect(nodeUrl(node("dataset:a@b@abc", "dataset"))).toBe("/datasets/a%40b");
    expect(nodeUrl(node("dataset:vision/clean@abc", "dataset", { project: "vision", name: "clean", number: 2 })))
      .toBe("/datasets/clean?project=vision&v=2");
    expect(nodeUrl(node("dataset:vision/clean@abc", "dataset"))).toBe("/datasets/clean?project=vision");
    expect(nodeUrl(node("run:01abc", "run"))).toBe("/runs/01abc");
    expect(nodeUrl(node("model:team/churn/3", "model"))).toBe("/models/team%2Fchurn");
    expect(nodeUrl(node("alias:churn@champion", "alias"))).toBe("/models/churn");
  });
});

describe("nodeSubtitle", () => {
  it("says what matters for each kind", () => {
    expect(nodeSubtitle(node("d", "dataset", { kind: "dataframe", rows: 12000 }))).toBe("dataframe · 12,000 rows");
    expect(nodeSubtitle(node("m", "model", { flavor: "sklearn", status: "deprecated" }))).toBe("sklearn · deprecated");
    expect(nodeSubtitle(node("a", "alias", { version: 3 }))).toBe("→ v3");
  });
});

describe("lineage view", () => {
  it("round-trips through the URL and clamps bad values", () => {
    const url = viewToUrl({ node: "model:churn/1", direction: "upstream", depth: 4 });
    expect(viewFromParams(new URLSearchParams(url.split("?")[1]))).toEqual({ node: "model:churn/1", direction: "upstream", depth: 4 });
    expect(viewFromParams(new URLSearchParams("direction=sideways&depth=-2"))).toEqual({ node: "", direction: "both", depth: 10 });
  });
});

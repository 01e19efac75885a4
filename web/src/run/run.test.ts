import { describe, expect, it } from "vitest";
import type { Artifact } from "../api";
import { buildArtifactTree, previewKind } from "./artifactTree";
import { parseCsv } from "./csv";
import { formatBytes, formatDuration, formatNumber } from "./format";
import { buildParamsTree, formatParam } from "./paramsTree";

describe("buildParamsTree", () => {
  it("splits keys on '.' and '/' and nests JSON objects, sorted by name", () => {
    const tree = buildParamsTree({ "optimizer.lr": 0.1, "model/layers": 4, optimizer: { name: "adam" }, seed: 1 });
    expect(tree.children.map((c) => c.name)).toEqual(["model", "optimizer", "seed"]);
    const optimizer = tree.children[1];
    expect(optimizer.children.map((c) => [c.path, c.value])).toEqual([["optimizer.lr", 0.1], ["optimizer.name", "adam"]]);
    expect(tree.children[0].children[0]).toMatchObject({ name: "layers", value: 4 });
  });

  it("keeps arrays, nulls and empty objects as leaves", () => {
    const tree = buildParamsTree({ a: [1, 2], b: null, c: {} });
    expect(tree.children.map((c) => c.value)).toEqual([[1, 2], null, {}]);
  });

  it("formats values", () => {
    expect(formatParam("adam")).toBe("adam");
    expect(formatParam([1, "x"])).toBe('[1,"x"]');
    expect(formatParam(NaN)).toBe("NaN");
  });
});

function artifact(path: string, size: number, media_type = "application/octet-stream"): Artifact {
  return { path, size, media_type, sha256: path, created_at: 0 };
}

describe("buildArtifactTree", () => {
  it("groups paths into folders with total sizes, folders first", () => {
    const tree = buildArtifactTree([artifact("z.txt", 1), artifact("plots/a.png", 10), artifact("plots/deep/b.csv", 5)]);
    expect(tree.size).toBe(16);
    expect(tree.children.map((c) => c.name)).toEqual(["plots", "z.txt"]);
    const plots = tree.children[0];
    expect(plots.size).toBe(15);
    expect(plots.children.map((c) => [c.path, c.size])).toEqual([["plots/deep", 5], ["plots/a.png", 10]]);
    expect(plots.children[1].artifact?.path).toBe("plots/a.png");
  });

  it("picks a preview from media type or extension", () => {
    expect(previewKind(artifact("a.png", 1, "image/png"))).toBe("image");
    expect(previewKind(artifact("a.svg", 1))).toBe("image");
    expect(previewKind(artifact("t.csv", 1, "text/csv"))).toBe("csv");
    expect(previewKind(artifact("d.json", 1, "application/json"))).toBe("json");
    expect(previewKind(artifact("n.txt", 1, "text/plain"))).toBe("text");
    expect(previewKind(artifact("t.parquet", 1, "application/vnd.apache.parquet"))).toBe("parquet");
  });
});

describe("parseCsv", () => {
  it("reads quoted fields and stops after the row limit", () => {
    expect(parseCsv('a,b\n"x, y","say ""hi"""\r\n1,2\n', 2)).toEqual([["a", "b"], ["x, y", 'say "hi"']]);
    expect(parseCsv("a,b\n1,2")).toEqual([["a", "b"], ["1", "2"]]);
  });
});

describe("formats", () => {
  it("formats bytes, durations and numbers", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatDuration(3_723_000)).toBe("1h 02m");
    expect(formatDuration(65_000)).toBe("1m 05s");
    expect(formatNumber(0.123456789)).toBe("0.12346");
    expect(formatNumber(NaN)).toBe("NaN");
    expect(formatNumber(12)).toBe("12");
  });
});

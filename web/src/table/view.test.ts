import { describe, expect, it } from "vitest";
import { sortDirection, toggleSort, viewFromParams, viewToUrl, type View } from "./view";

describe("view ⇄ URL", () => {
  it("round-trips every part of the view", () => {
    const view: View = {
      project: "vision", q: 'params.opt = "adam" and metrics.loss < 0.1',
      order: ["-metrics.loss.min", "params.lr"], columns: ["params.lr", "metrics.loss.min"], group: "params.opt",
    };
    const url = viewToUrl(view);
    expect(url.startsWith("/?")).toBe(true);
    expect(viewFromParams(new URLSearchParams(url.slice(2)))).toEqual(view);
  });

  it("leaves empty parts out", () => {
    expect(viewToUrl({ project: "", q: "", order: [], columns: [], group: "" })).toBe("/");
    expect(viewToUrl({ project: "", q: "", order: ["name"], columns: [], group: "" })).toBe("/?order=name");
  });
});

describe("sorting", () => {
  it("reads the direction of the first key, newest first by default", () => {
    expect(sortDirection([], "created")).toBe("descending");
    expect(sortDirection(["params.lr"], "params.lr")).toBe("ascending");
    expect(sortDirection(["-params.lr"], "params.lr")).toBe("descending");
    expect(sortDirection(["-params.lr"], "name")).toBe("none");
  });

  it("toggles ascending, then descending", () => {
    expect(toggleSort([], "name")).toEqual(["name"]);
    expect(toggleSort(["name"], "name")).toEqual(["-name"]);
    expect(toggleSort(["-name"], "name")).toEqual(["name"]);
    expect(toggleSort([], "created")).toEqual(["created"]);
  });
});

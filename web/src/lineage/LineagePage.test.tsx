import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Lineage } from "../api";
import { LineagePage } from "../pages/lineage";

const GRAPH: Lineage = {
  root: "model:churn/1", direction: "both", depth: 10,
  nodes: [
    { id: "dataset:clean@abc", kind: "dataset", label: "clean v1", attrs: { name: "clean", number: 1 } },
    { id: "run:r1", kind: "run", label: "train0", attrs: {} },
    { id: "model:churn/1", kind: "model", label: "churn v1", attrs: {} },
    { id: "alias:churn@champion", kind: "alias", label: "churn@champion", attrs: { version: 1 } },
  ],
  edges: [
    { source: "dataset:clean@abc", target: "run:r1", kind: "input" },
    { source: "run:r1", target: "model:churn/1", kind: "registered" },
    { source: "model:churn/1", target: "alias:churn@champion", kind: "alias" },
  ],
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.history.replaceState(null, "", "/");
});

describe("LineagePage", () => {
  it("draws one box per node, left to right along the edges, and opens or re-roots on clicks", async () => {
    const fetchMock = vi.fn(async (_url: string) => new Response(JSON.stringify(GRAPH), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    render(<LineagePage params={new URLSearchParams("node=model:churn/1&depth=3")} />);
    await waitFor(() => expect(document.querySelectorAll("g.node").length).toBe(4));
    expect(fetchMock.mock.calls[0][0]).toBe("/api/v1/lineage?node=model%3Achurn%2F1&direction=both&depth=3");
    const x = (id: string) => Number(document.querySelector(`g.node[data-id="${id}"]`)!.getAttribute("transform")!.match(/\(([\d.]+)/)![1]);
    expect(x("dataset:clean@abc")).toBeLessThan(x("run:r1"));
    expect(x("model:churn/1")).toBeLessThan(x("alias:churn@champion"));
    expect(document.querySelectorAll("g.edge").length).toBe(3);
    expect(document.querySelector('g.node[data-id="model:churn/1"]')!.classList.contains("root")).toBe(true);

    fireEvent.click(document.querySelector('g.node[data-id="dataset:clean@abc"] .reroot')!);
    expect(window.location.pathname + window.location.search).toBe("/lineage?node=dataset%3Aclean%40abc&direction=both&depth=3");
    fireEvent.click(document.querySelector('g.node[data-id="run:r1"]')!);
    await waitFor(() => expect(window.location.pathname).toBe("/runs/r1"));
  });
});

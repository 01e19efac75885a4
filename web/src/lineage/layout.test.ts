import { describe, expect, it } from "vitest";
import { acyclicEdges, assignLayers, countCrossings, layoutGraph, NODE_H, NODE_W, type Edge } from "./layout";

const e = (source: string, target: string): Edge => ({ source, target });

function overlaps(layout: ReturnType<typeof layoutGraph>): boolean {
  const boxes = [...layout.boxes.values()];
  return boxes.some((a, i) => boxes.slice(i + 1).some((b) =>
    a.x < b.x + NODE_W && b.x < a.x + NODE_W && a.y < b.y + NODE_H && b.y < a.y + NODE_H));
}

describe("assignLayers", () => {
  it("puts each node one past the longest path reaching it", () => {
    // d -> r1 -> d2 -> r2 -> m -> alias, and d -> r2 directly (a shortcut)
    const ids = ["d", "r1", "d2", "r2", "m", "alias"];
    const layers = assignLayers(ids, [e("d", "r1"), e("r1", "d2"), e("d2", "r2"), e("d", "r2"), e("r2", "m"), e("m", "alias")]);
    expect(Object.fromEntries(layers)).toEqual({ d: 0, r1: 1, d2: 2, r2: 3, m: 4, alias: 5 });
  });

  it("tolerates cycles, self loops and edges to unknown nodes", () => {
    const ids = ["a", "b", "c"];
    const layers = assignLayers(ids, [e("a", "b"), e("b", "c"), e("c", "a"), e("b", "b"), e("a", "ghost")]);
    expect([...layers.keys()].sort()).toEqual(ids);
    expect(new Set(layers.values()).size).toBe(3); // the cycle is cut once, not flattened
    expect(acyclicEdges(ids, [e("a", "b"), e("b", "a")])).toEqual([e("a", "b")]);
  });

  it("keeps isolated nodes in the first layer", () => {
    expect(assignLayers(["x", "y"], []).get("y")).toBe(0);
  });
});

describe("layoutGraph", () => {
  it("places layers left to right without overlapping boxes", () => {
    const layout = layoutGraph(["d", "r", "m", "a", "r2"], [e("d", "r"), e("d", "r2"), e("r", "m"), e("m", "a")]);
    expect(layout.layers.map((l) => l.length)).toEqual([1, 2, 1, 1]);
    expect(layout.boxes.get("r")!.x).toBeGreaterThan(layout.boxes.get("d")!.x);
    expect(overlaps(layout)).toBe(false);
    for (const box of layout.boxes.values()) {
      expect(box.x + NODE_W).toBeLessThanOrEqual(layout.width);
      expect(box.y + NODE_H).toBeLessThanOrEqual(layout.height);
    }
  });

  it("orders a layer to remove crossings (barycenter)", () => {
    // sources a,b; targets listed in the opposite order to their parents
    const ids = ["a", "b", "y", "x"];
    const edges = [e("a", "x"), e("b", "y")];
    const layout = layoutGraph(ids, edges);
    expect(countCrossings(layout, edges)).toBe(0);
    expect(layout.layers[1]).toEqual(["x", "y"]);
  });

  it("lays out 300 nodes with cycles quickly and without overlaps", () => {
    const ids = Array.from({ length: 300 }, (_, i) => `n${i}`);
    const edges: Edge[] = [];
    for (let i = 1; i < 300; i++) edges.push(e(`n${Math.floor((i * 7919) % i)}`, `n${i}`), e(`n${i - 1}`, `n${i}`));
    edges.push(e("n299", "n0"));
    const start = performance.now();
    const layout = layoutGraph(ids, edges);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(layout.boxes.size).toBe(300);
    expect(overlaps(layout)).toBe(false);
  });

  it("counts a duplicated node once", () => {
    expect(layoutGraph(["a", "a"], []).boxes.size).toBe(1);
  });
});

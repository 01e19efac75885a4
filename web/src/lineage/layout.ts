// A layered left-to-right layout for lineage graphs (a small Sugiyama): cycles are
// broken by dropping DFS back edges, each node's layer is its longest path from a
// source, and a few barycenter sweeps order each layer to cut edge crossings.

export interface Edge {
  source: string;
  target: string;
}

export interface Box {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

export interface Layout {
  boxes: Map<string, Box>;
  layers: string[][];
  width: number;
  height: number;
}

export const NODE_W = 190;
export const NODE_H = 46;
export const GAP_X = 90;
export const GAP_Y = 22;
export const MARGIN = 20;
const SWEEPS = 4;

/** The edges of a DFS forest plus forward and cross edges: the graph without cycles. */
export function acyclicEdges(ids: string[], edges: Edge[]): Edge[] {
  const known = new Set(ids);
  const out = new Map<string, Edge[]>(ids.map((id) => [id, []]));
  for (const e of edges) if (known.has(e.source) && known.has(e.target) && e.source !== e.target) out.get(e.source)!.push(e);
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  const kept: Edge[] = [];
  for (const start of ids) {
    if (state.has(start)) continue;
    const stack: [string, number][] = [[start, 0]];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const next = out.get(top[0])![top[1]++];
      if (next === undefined) {
        state.set(top[0], 2);
        stack.pop();
      } else if (state.get(next.target) !== 1) {
        kept.push(next); // a back edge (target still on the stack) would close a cycle
        if (!state.has(next.target)) {
          state.set(next.target, 1);
          stack.push([next.target, 0]);
        }
      }
    }
  }
  return kept;
}

/** Each node's layer: the length of the longest path reaching it from a source. */
export function assignLayers(ids: string[], edges: Edge[]): Map<string, number> {
  const dag = acyclicEdges(ids, edges);
  const indegree = new Map(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of dag) {
    indegree.set(e.target, indegree.get(e.target)! + 1);
    out.get(e.source)!.push(e.target);
  }
  const layer = new Map(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const target of out.get(id)!) {
      layer.set(target, Math.max(layer.get(target)!, layer.get(id)! + 1));
      indegree.set(target, indegree.get(target)! - 1);
      if (indegree.get(target) === 0) queue.push(target);
    }
  }
  return layer;
}

function neighbours(edges: Edge[], ids: string[]): { preds: Map<string, string[]>; succs: Map<string, string[]> } {
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!preds.has(e.target) || !succs.has(e.source) || e.source === e.target) continue;
    preds.get(e.target)!.push(e.source);
    succs.get(e.source)!.push(e.target);
  }
  return { preds, succs };
}

/** Reorder *layer* by the mean position of each node's *links* (unlinked nodes keep theirs). */
function sortByBarycenter(layer: string[], links: Map<string, string[]>, position: Map<string, number>): string[] {
  const centre = new Map<string, number>();
  layer.forEach((id, i) => {
    const placed = links.get(id)!.map((n) => position.get(n)).filter((p): p is number => p !== undefined);
    centre.set(id, placed.length ? placed.reduce((a, b) => a + b, 0) / placed.length : i);
  });
  return [...layer].sort((a, b) => centre.get(a)! - centre.get(b)! || layer.indexOf(a) - layer.indexOf(b));
}

/** Nodes grouped by layer and ordered within each to reduce crossings. */
export function orderLayers(ids: string[], edges: Edge[], layerOf: Map<string, number>): string[][] {
  const count = Math.max(-1, ...layerOf.values()) + 1;
  const layers: string[][] = Array.from({ length: count }, () => []);
  for (const id of ids) layers[layerOf.get(id)!].push(id);
  const { preds, succs } = neighbours(edges, ids);
  const position = new Map<string, number>();
  const place = (layer: string[]) => layer.forEach((id, i) => position.set(id, i / Math.max(1, layer.length - 1)));
  layers.forEach(place);
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    const indices = layers.map((_, i) => i);
    for (const i of down ? indices.slice(1) : indices.reverse().slice(1)) {
      layers[i] = sortByBarycenter(layers[i], down ? preds : succs, position);
      place(layers[i]);
    }
  }
  return layers;
}

/** Boxes for every node id (duplicate ids count once) and the size of the drawing. */
export function layoutGraph(nodeIds: string[], edges: Edge[]): Layout {
  const ids = [...new Set(nodeIds)];
  const layers = orderLayers(ids, edges, assignLayers(ids, edges));
  const tallest = Math.max(0, ...layers.map((l) => l.length));
  const height = MARGIN * 2 + Math.max(0, tallest * (NODE_H + GAP_Y) - GAP_Y);
  const boxes = new Map<string, Box>();
  layers.forEach((layer, li) => {
    const offset = ((tallest - layer.length) * (NODE_H + GAP_Y)) / 2; // centre short layers
    layer.forEach((id, order) => {
      boxes.set(id, { id, layer: li, order, x: MARGIN + li * (NODE_W + GAP_X), y: MARGIN + offset + order * (NODE_H + GAP_Y) });
    });
  });
  const width = MARGIN * 2 + Math.max(0, layers.length * (NODE_W + GAP_X) - GAP_X);
  return { boxes, layers, width, height };
}

/** Crossings between edges joining adjacent layers (what the ordering tries to cut). */
export function countCrossings(layout: Layout, edges: Edge[]): number {
  const spans = edges
    .map((e) => [layout.boxes.get(e.source), layout.boxes.get(e.target)] as const)
    .filter(([a, b]) => a && b && b.layer === a.layer + 1) as [Box, Box][];
  let crossings = 0;
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const [a, b] = spans[i];
      const [c, d] = spans[j];
      if (a.layer === c.layer && (a.order - c.order) * (b.order - d.order) < 0) crossings++;
    }
  }
  return crossings;
}

/** An SVG path from the right side of *from* to the left side of *to*. */
export function edgePath(from: Box, to: Box): string {
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_H / 2;
  const bend = Math.max(40, Math.abs(x2 - x1) / 2);
  return `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
}

// The lineage graph as SVG: layered left to right, boxes coloured by kind, edges with
// arrows (their kind on hover). Click a node to open its page; double-click it (or its
// ⊙ button) to re-root the graph on it. Zoom with the buttons; the drawing scrolls.
import { useMemo, useRef, useState } from "preact/hooks";
import type { Lineage, LineageNode } from "../api";
import { edgePath, layoutGraph, NODE_H, NODE_W, type Box } from "./layout";
import { nodeSubtitle } from "./nodes";

interface Props {
  graph: Lineage;
  onOpen: (node: LineageNode) => void;
  onReroot: (node: LineageNode) => void;
}

const CLICK_DELAY_MS = 250; // long enough to tell a click from a double-click

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function NodeBox({ node, box, root, onClick, onReroot }: { node: LineageNode; box: Box; root: boolean; onClick: () => void; onReroot: () => void }) {
  const subtitle = nodeSubtitle(node);
  const deprecated = node.attrs?.status === "deprecated";
  return (
    <g class={`node ${node.kind}${root ? " root" : ""}${deprecated ? " deprecated" : ""}`} transform={`translate(${box.x},${box.y})`}
      data-id={node.id} data-kind={node.kind} role="link" tabIndex={0} aria-label={`${node.kind} ${node.label}`}
      onClick={onClick} onDblClick={onReroot} onKeyDown={(e) => e.key === "Enter" && onClick()}>
      <title>{`${node.id}\nclick: open · double-click: re-root`}</title>
      <rect width={NODE_W} height={NODE_H} rx={8} ry={8} />
      <text class="kind" x={10} y={14}>{node.kind}</text>
      <text class="label" x={10} y={subtitle ? 29 : 33}>{clip(node.label, 24)}</text>
      {subtitle && <text class="subtitle" x={10} y={41}>{clip(subtitle, 30)}</text>}
      {!root && (
        <g class="reroot" role="button" aria-label={`Re-root on ${node.label}`} transform={`translate(${NODE_W - 14},12)`}
          onClick={(e) => { e.stopPropagation(); onReroot(); }}>
          <title>Re-root the graph here</title>
          <circle r={8} />
          <text y={4} text-anchor="middle">⊙</text>
        </g>
      )}
    </g>
  );
}

export function LineageGraph({ graph, onOpen, onReroot }: Props) {
  const layout = useMemo(() => layoutGraph(graph.nodes.map((n) => n.id), graph.edges), [graph]);
  const [zoom, setZoom] = useState(1);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const click = (node: LineageNode) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => onOpen(node), CLICK_DELAY_MS);
  };
  const reroot = (node: LineageNode) => {
    if (timer.current) clearTimeout(timer.current);
    onReroot(node);
  };
  const { width, height } = layout;
  return (
    <div class="lineage-graph">
      <div class="zoom" role="group" aria-label="Zoom">
        <button type="button" aria-label="Zoom out" onClick={() => setZoom((z) => Math.max(0.2, z / 1.25))}>−</button>
        <span class="muted">{Math.round(zoom * 100)}%</span>
        <button type="button" aria-label="Zoom in" onClick={() => setZoom((z) => Math.min(3, z * 1.25))}>+</button>
        <button type="button" onClick={() => setZoom(1)}>100%</button>
      </div>
      <div class="lineage-scroll">
        <svg viewBox={`0 0 ${width} ${height}`} width={width * zoom} height={height * zoom} role="img" aria-label="Lineage graph">
          <defs>
            <marker id="lineage-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" />
            </marker>
          </defs>
          {graph.edges.map((edge) => {
            const from = layout.boxes.get(edge.source);
            const to = layout.boxes.get(edge.target);
            if (!from || !to) return null;
            const d = edgePath(from, to);
            return (
              <g key={`${edge.source}>${edge.target}:${edge.kind}`} class={`edge ${edge.kind}`} data-kind={edge.kind}>
                <title>{`${edge.kind}: ${edge.source} → ${edge.target}`}</title>
                <path class="hit" d={d} />
                <path class="line" d={d} marker-end="url(#lineage-arrow)" />
                <text x={(from.x + NODE_W + to.x) / 2} y={(from.y + to.y) / 2 + NODE_H / 2 - 4} text-anchor="middle">{edge.kind}</text>
              </g>
            );
          })}
          {graph.nodes.map((node) => {
            const box = layout.boxes.get(node.id);
            return box ? (
              <NodeBox key={node.id} node={node} box={box} root={node.id === graph.root} onClick={() => click(node)} onReroot={() => reroot(node)} />
            ) : null;
          })}
        </svg>
      </div>
    </div>
  );
}

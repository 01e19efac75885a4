// Params as a collapsible tree (<details> per group).
import type { Json } from "../api";
import { buildParamsTree, formatParam, type ParamNode } from "./paramsTree";

function Node({ node, open }: { node: ParamNode; open: boolean }) {
  if (node.children.length === 0) {
    return (
      <li class="param">
        <span class="param-key" title={node.path}>{node.name}</span> <code>{formatParam(node.value)}</code>
      </li>
    );
  }
  return (
    <li class="param-group">
      <details open={open}>
        <summary title={node.path}>{node.name}</summary>
        <Tree nodes={node.children} open={open} />
      </details>
    </li>
  );
}

function Tree({ nodes, open }: { nodes: ParamNode[]; open: boolean }) {
  return <ul class="params">{nodes.map((n) => <Node key={n.path} node={n} open={open} />)}</ul>;
}

/** *params* as a tree; groups start open unless *open* is false. */
export function ParamsView({ params, open = true, empty = "No params." }: {
  params: Record<string, Json>;
  open?: boolean;
  empty?: string;
}) {
  const root = buildParamsTree(params);
  if (root.children.length === 0) return <p class="muted">{empty}</p>;
  return <Tree nodes={root.children} open={open} />;
}

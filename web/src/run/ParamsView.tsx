// Params as a collapsible tree (<details> per group).
import type { Json } from "../api";
import { buildParamsTree, formatParam, type ParamNode } from "./paramsTree";

function Node({ node }: { node: ParamNode }) {
  if (node.children.length === 0) {
    return (
      <li class="param">
        <span class="param-key" title={node.path}>{node.name}</span> <code>{formatParam(node.value)}</code>
      </li>
    );
  }
  return (
    <li class="param-group">
      <details open>
        <summary title={node.path}>{node.name}</summary>
        <Tree nodes={node.children} />
      </details>
    </li>
  );
}

function Tree({ nodes }: { nodes: ParamNode[] }) {
  return <ul class="params">{nodes.map((n) => <Node key={n.path} node={n} />)}</ul>;
}

export function ParamsView({ params }: { params: Record<string, Json> }) {
  const root = buildParamsTree(params);
  if (root.children.length === 0) return <p class="muted">No params.</p>;
  return <Tree nodes={root.children} />;
}

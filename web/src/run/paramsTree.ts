// Params as a tree: flat keys like "optimizer.lr" or "model/layers" split into nested
// groups, and nested JSON objects become groups too.
import type { Json } from "../api";

export interface ParamNode {
  name: string;
  /** The full dotted/slashed key of a leaf, or of a group's prefix. */
  path: string;
  value?: Json;
  children: ParamNode[];
}

function child(parent: ParamNode, name: string): ParamNode {
  let node = parent.children.find((c) => c.name === name);
  if (!node) {
    node = { name, path: parent.path ? `${parent.path}.${name}` : name, children: [] };
    parent.children.push(node);
  }
  return node;
}

function insert(root: ParamNode, parts: string[], value: Json): void {
  const node = parts.reduce(child, root);
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) insert(node, [key], inner);
  } else {
    node.value = value;
  }
}

function sortTree(node: ParamNode): ParamNode {
  node.children.sort((a, b) => a.name.localeCompare(b.name));
  node.children.forEach(sortTree);
  return node;
}

/** The root (name "") of the params tree; children sorted by name. */
export function buildParamsTree(params: Record<string, Json>): ParamNode {
  const root: ParamNode = { name: "", path: "", children: [] };
  for (const [key, value] of Object.entries(params)) insert(root, key.split(/[./]/).filter(Boolean), value);
  return sortTree(root);
}

/** A leaf value as text: strings bare, everything else as JSON (NaN/inf spelled out). */
export function formatParam(value: Json | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? "";
}

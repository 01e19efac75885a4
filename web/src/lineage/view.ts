// The lineage view in the URL: /lineage?node=ID&direction=both&depth=10.
import type { LineageDirection } from "../api";

export interface LineageView {
  node: string;
  direction: LineageDirection;
  depth: number;
}

export const DIRECTIONS: LineageDirection[] = ["both", "upstream", "downstream"];
export const DEFAULT_DEPTH = 10;
export const MAX_DEPTH = 50;

export function viewFromParams(params: URLSearchParams): LineageView {
  const direction = params.get("direction") as LineageDirection | null;
  const depth = Number(params.get("depth"));
  return {
    node: params.get("node") ?? "",
    direction: direction && DIRECTIONS.includes(direction) ? direction : "both",
    depth: Number.isInteger(depth) && depth > 0 ? Math.min(depth, MAX_DEPTH) : DEFAULT_DEPTH,
  };
}

export function viewToUrl(view: LineageView): string {
  const search = new URLSearchParams();
  if (view.node) search.set("node", view.node);
  search.set("direction", view.direction);
  search.set("depth", String(view.depth));
  return `/lineage?${search.toString()}`;
}

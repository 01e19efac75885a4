// What a lineage node id means: which page it opens and what it says under its label.
// Ids: dataset:PROJECT/NAME@DIGEST, run:RUN_ID, model:NAME/VERSION, alias:NAME@ALIAS.
import type { LineageNode } from "../api";
import { datasetUrl, formatCount } from "../datasets/format";

function after(id: string, prefix: string): string {
  return id.startsWith(prefix) ? id.slice(prefix.length) : id;
}

/** Split at the last *separator*: ["name", "rest"] (names may hold the separator). */
function splitLast(text: string, separator: string): [string, string] {
  const at = text.lastIndexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

/** The page of a node: its dataset version, run, or registered model. */
export function nodeUrl(node: Pick<LineageNode, "id" | "kind" | "attrs">): string | null {
  const enc = encodeURIComponent;
  switch (node.kind) {
    case "dataset": {
      const [owned] = splitLast(after(node.id, "dataset:"), "@");
      const [owner, name] = splitLast(owned, "/");
      const a = node.attrs ?? {};
      const project = typeof a.project === "string" ? a.project : name ? owner : null;
      return datasetUrl(typeof a.name === "string" ? a.name : name || owner, project, typeof a.number === "number" ? a.number : null);
    }
    case "run":
      return `/runs/${enc(after(node.id, "run:"))}`;
    case "model":
      return `/models/${enc(splitLast(after(node.id, "model:"), "/")[0])}`;
    case "alias":
      return `/models/${enc(splitLast(after(node.id, "alias:"), "@")[0])}`;
    default:
      return null;
  }
}

/** A short second line for the node's box. */
export function nodeSubtitle(node: LineageNode): string {
  const a = node.attrs ?? {};
  switch (node.kind) {
    case "dataset":
      return [a.kind, typeof a.rows === "number" ? `${formatCount(a.rows)} rows` : null].filter(Boolean).join(" · ");
    case "run":
      return [a.project, a.status, a.deleted ? "deleted" : null].filter(Boolean).join(" · ");
    case "model":
      return [a.flavor, a.status].filter(Boolean).join(" · ");
    case "alias":
      return typeof a.version === "number" ? `→ v${a.version}` : "";
    default:
      return "";
  }
}

export const KINDS = ["dataset", "run", "model", "alias"] as const;

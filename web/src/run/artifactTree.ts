// Artifact paths ("plots/loss.png") as a folder tree with total sizes.
import type { Artifact } from "../api";

export interface ArtifactNode {
  name: string;
  path: string;
  /** Total bytes: the file's, or everything under a folder. */
  size: number;
  artifact?: Artifact;
  children: ArtifactNode[];
}

function folder(parent: ArtifactNode, name: string): ArtifactNode {
  let node = parent.children.find((c) => c.name === name && !c.artifact);
  if (!node) {
    node = { name, path: parent.path ? `${parent.path}/${name}` : name, size: 0, children: [] };
    parent.children.push(node);
  }
  return node;
}

function sortTree(node: ArtifactNode): ArtifactNode {
  // Folders first, then files, each by name.
  node.children.sort((a, b) => Number(!!a.artifact) - Number(!!b.artifact) || a.name.localeCompare(b.name));
  node.children.forEach(sortTree);
  return node;
}

export function buildArtifactTree(artifacts: Artifact[]): ArtifactNode {
  const root: ArtifactNode = { name: "", path: "", size: 0, children: [] };
  for (const artifact of artifacts) {
    const parts = artifact.path.split("/").filter(Boolean);
    const name = parts.pop() ?? artifact.path;
    const dirs = [root];
    for (const part of parts) dirs.push(folder(dirs[dirs.length - 1], part));
    const parent = dirs[dirs.length - 1];
    parent.children.push({ name, path: artifact.path, size: artifact.size, artifact, children: [] });
    dirs.forEach((d) => (d.size += artifact.size));
  }
  return sortTree(root);
}

export type PreviewKind = "image" | "json" | "text" | "csv" | "parquet" | "none";

/** How the UI can preview an artifact, from its media type and extension. */
export function previewKind(artifact: Pick<Artifact, "path" | "media_type">): PreviewKind {
  const type = artifact.media_type.toLowerCase();
  const ext = artifact.path.toLowerCase().split(".").pop() ?? "";
  if (/^image\/(png|jpeg|svg\+xml|gif|webp)$/.test(type) || ["png", "jpg", "jpeg", "svg", "gif", "webp"].includes(ext)) return "image";
  if (type.includes("csv") || ext === "csv") return "csv";
  if (type.includes("json") || ext === "json") return "json";
  if (type.includes("parquet") || ext === "parquet") return "parquet";
  if (type.startsWith("text/") || ["txt", "log", "md", "yaml", "yml", "py", "toml"].includes(ext)) return "text";
  return "none";
}

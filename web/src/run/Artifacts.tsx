// The run's artifacts as a folder tree with sizes, download links and a preview pane.
import { useEffect, useState } from "preact/hooks";
import { api, type Artifact } from "../api";
import { buildArtifactTree, type ArtifactNode } from "./artifactTree";
import { downloadArtifact } from "./artifactFetch";
import { ArtifactPreview } from "./ArtifactPreview";
import { formatBytes } from "./format";
import { errorMessage } from "./useRun";

interface NodeProps {
  node: ArtifactNode;
  selected: Artifact | null;
  onSelect: (artifact: Artifact) => void;
  onError: (message: string) => void;
}

function FileRow({ node, selected, onSelect, onError }: NodeProps) {
  const artifact = node.artifact!;
  const download = (e: Event) => {
    e.preventDefault();
    downloadArtifact(artifact.sha256, node.name).catch((err: unknown) => onError(errorMessage(err)));
  };
  return (
    <li class={selected?.sha256 === artifact.sha256 && selected.path === artifact.path ? "file selected" : "file"}>
      <button type="button" class="link" onClick={() => onSelect(artifact)} title={artifact.media_type}>{node.name}</button>
      <span class="size">{formatBytes(node.size)}</span>
      <a href={api.artifactUrl(artifact.sha256)} download={node.name} onClick={download} title={`Download ${artifact.path}`}>download</a>
    </li>
  );
}

function Tree(props: Omit<NodeProps, "node"> & { nodes: ArtifactNode[] }) {
  const { nodes, ...rest } = props;
  return (
    <ul class="artifact-tree">
      {nodes.map((node) =>
        node.artifact ? (
          <FileRow key={node.path} node={node} {...rest} />
        ) : (
          <li key={node.path} class="folder">
            <details open>
              <summary>{node.name}/ <span class="size">{formatBytes(node.size)}</span></summary>
              <Tree nodes={node.children} {...rest} />
            </details>
          </li>
        ),
      )}
    </ul>
  );
}

export function Artifacts({ runId, refresh }: { runId: string; refresh?: unknown }) {
  const [artifacts, setArtifacts] = useState<Artifact[] | null>(null);
  const [selected, setSelected] = useState<Artifact | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    api.artifacts(runId).then((a) => current && setArtifacts(a), (e: unknown) => current && setError(errorMessage(e)));
    return () => void (current = false);
  }, [runId, refresh]);
  if (error && !artifacts) return <p class="error" role="alert">{error}</p>;
  if (!artifacts) return <p class="loading">Loading artifacts…</p>;
  if (artifacts.length === 0) return <p class="muted">No artifacts.</p>;
  return (
    <div class="artifacts">
      <Tree nodes={buildArtifactTree(artifacts).children} selected={selected} onSelect={setSelected} onError={setError} />
      {error && <p class="error" role="alert">{error}</p>}
      {selected && (
        <section class="artifact-preview" aria-label={`Preview of ${selected.path}`}>
          <h3>{selected.path}</h3>
          <ArtifactPreview artifact={selected} />
        </section>
      )}
    </div>
  );
}

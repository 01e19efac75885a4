// Where a dataset version comes from (DVC, lakeFS, git-lfs, S3, Hugging Face, git…),
// each reference as readable key/values under its kind.
import type { Json } from "../api";
import { KeyValues } from "./Profile";

const KIND_NAMES: Record<string, string> = {
  dvc: "DVC", "git-lfs": "Git LFS", lakefs: "lakeFS", s3: "Amazon S3", huggingface: "Hugging Face", git: "Git",
};

export function sourceTitle(source: Record<string, Json>): string {
  const kind = typeof source.kind === "string" ? source.kind : "source";
  return KIND_NAMES[kind] ?? kind;
}

export function Sources({ sources }: { sources: Record<string, Json>[] }) {
  if (sources.length === 0) return <p class="muted">No external references (DVC, lakeFS, git-lfs, S3, Hugging Face, git) were found.</p>;
  return (
    <ul class="sources">
      {sources.map((source, i) => (
        <li key={i} class="source" data-kind={String(source.kind ?? "")}>
          <h4>{sourceTitle(source)}</h4>
          <KeyValues entries={Object.entries(source).filter(([k]) => k !== "kind")} label={`${sourceTitle(source)} reference`} />
        </li>
      ))}
    </ul>
  );
}

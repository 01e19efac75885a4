// A dataset's versions, newest first; the selected one is marked and a row click
// selects another (the choice lives in the URL as ?v=N).
import type { DatasetVersion } from "../api";
import { formatBytes } from "../run/format";
import { CopyButton } from "./CopyButton";
import { formatCount, formatTime, shortDigest } from "./format";

interface Props {
  versions: DatasetVersion[];
  selected: number | null;
  onSelect: (number: number) => void;
}

export function VersionList({ versions, selected, onSelect }: Props) {
  return (
    <table class="dataset-versions" aria-label="Versions">
      <thead>
        <tr><th>version</th><th>label</th><th>digest</th><th>rows</th><th>size</th><th>kind</th><th>created</th><th>runs</th></tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.digest} class={v.number === selected ? "selected" : ""} aria-selected={v.number === selected} data-version={v.number}>
            <td><button type="button" class="link" onClick={() => onSelect(v.number)}>v{v.number}</button></td>
            <td>{v.label ?? ""}</td>
            <td><code title={v.digest}>{shortDigest(v.digest)}</code> <CopyButton text={v.digest} /></td>
            <td class="num">{formatCount(v.rows)}</td>
            <td class="num">{v.size === null ? "" : formatBytes(v.size)}</td>
            <td>{v.kind}</td>
            <td>{formatTime(v.created_at)}</td>
            <td class="num">{v.runs}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

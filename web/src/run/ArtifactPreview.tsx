// The preview of one artifact: image, pretty JSON, text, or the first 50 rows of a CSV
// or Parquet table (Parquet is read by the server, which sends only those rows).
import { useEffect, useState } from "preact/hooks";
import { request, type Artifact } from "../api";
import { previewKind } from "./artifactTree";
import { fetchArtifact } from "./artifactFetch";
import { parseCsv } from "./csv";
import { errorMessage } from "./useRun";

const TEXT_LIMIT = 256 * 1024;
const CSV_ROWS = 50;

type Content = { image: string } | { text: string } | { rows: string[][] };

interface TablePreview {
  columns: string[];
  rows: unknown[][];
  total_rows: number;
}

async function load(artifact: Artifact): Promise<Content> {
  const kind = previewKind(artifact);
  if (kind === "parquet") {
    const table = await request<TablePreview>(`/artifacts/${artifact.sha256}/table?rows=${CSV_ROWS}`);
    const cell = (v: unknown) => (v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
    return { rows: [table.columns, ...table.rows.map((row) => row.map(cell))] };
  }
  const blob = await fetchArtifact(artifact.sha256);
  if (kind === "image") return { image: URL.createObjectURL(blob) };
  const text = await blob.slice(0, TEXT_LIMIT).text();
  if (kind === "csv") return { rows: parseCsv(text, CSV_ROWS + 1) };
  if (kind === "json" && blob.size <= TEXT_LIMIT) {
    try {
      return { text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      /* not valid JSON after all: show it as text */
    }
  }
  return { text: blob.size > TEXT_LIMIT ? `${text}\n… (truncated; download for the rest)` : text };
}

function CsvTable({ rows }: { rows: string[][] }) {
  const [head, ...body] = rows;
  return (
    <div class="csv-preview">
      <table>
        <thead><tr>{(head ?? []).map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
        <tbody>{body.map((row, r) => <tr key={r}>{row.map((cell, i) => <td key={i}>{cell}</td>)}</tr>)}</tbody>
      </table>
      {body.length >= CSV_ROWS && <p class="muted">First {CSV_ROWS} rows.</p>}
    </div>
  );
}

export function ArtifactPreview({ artifact }: { artifact: Artifact }) {
  const [content, setContent] = useState<Content | null>(null);
  const [error, setError] = useState<string | null>(null);
  const kind = previewKind(artifact);
  useEffect(() => {
    if (kind === "none") return;
    let current = true;
    let url: string | null = null;
    setContent(null);
    setError(null);
    load(artifact).then(
      (c) => {
        if ("image" in c) url = c.image;
        if (current) setContent(c);
        else if (url) URL.revokeObjectURL(url);
      },
      (e: unknown) => current && setError(errorMessage(e)),
    );
    return () => {
      current = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [artifact.sha256, kind]);
  if (kind === "none") return <p class="muted">No preview for this file type; download to open it.</p>;
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!content) return <p class="loading">Loading preview…</p>;
  if ("image" in content) return <img class="image-preview" src={content.image} alt={artifact.path} />;
  if ("rows" in content) return <CsvTable rows={content.rows} />;
  return <pre class="text-preview">{content.text}</pre>;
}

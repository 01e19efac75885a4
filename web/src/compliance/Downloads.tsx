// The Annex IV document as HTML (opens), PDF and JSON (download). Plain links when the
// server needs no token; with a token, fetched with it and handed over as a blob.
import { api, getToken, type AnnexFormat } from "../api";

const FORMATS: { format: AnnexFormat; label: string; title: string }[] = [
  { format: "html", label: "HTML", title: "Open the rendered document" },
  { format: "pdf", label: "PDF", title: "Download the PDF" },
  { format: "json", label: "JSON", title: "Download the JSON document" },
];

export function fileName(name: string, version: number | string, format: AnnexFormat): string {
  return `annex-iv-${name}-v${version}.${format}`;
}

async function openWithToken(url: string, format: AnnexFormat, file: string): Promise<void> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${getToken()}` } });
  if (!response.ok) throw new Error(`Could not fetch the document: ${response.status} ${response.statusText}`);
  const blob = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = blob;
  if (format === "html") link.target = "_blank";
  else link.download = file;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(blob), 60_000);
}

export function Downloads({ name, version, onError }: { name: string; version: number | string; onError: (message: string) => void }) {
  return (
    <div class="downloads" role="group" aria-label="Download the Annex IV document">
      <span class="muted">Annex IV document:</span>
      {FORMATS.map(({ format, label, title }) => {
        const url = api.annexIvUrl(name, version, format);
        const file = fileName(name, version, format);
        const click = (event: MouseEvent) => {
          if (!getToken()) return; // the browser follows the link itself
          event.preventDefault();
          openWithToken(url, format, file).catch((e: unknown) => onError(e instanceof Error ? e.message : String(e)));
        };
        return (
          <a key={format} class="download" data-format={format} href={url} title={title} onClick={click}
            {...(format === "html" ? { target: "_blank", rel: "noopener" } : { download: file })}>{label}</a>
        );
      })}
    </div>
  );
}

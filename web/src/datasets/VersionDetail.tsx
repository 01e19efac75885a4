// One dataset version in full: facts, schema and profile, sources, datasheet,
// description, and the runs that used it.
import { api, type DatasetVersion } from "../api";
import { formatBytes } from "../run/format";
import { CopyButton } from "./CopyButton";
import { DatasetUses } from "./DatasetUses";
import { Datasheet } from "./Datasheet";
import { formatCount, formatTime } from "./format";
import { Profile } from "./Profile";
import { RouteLink } from "./RouteLink";
import { Sources } from "./Sources";
import { useApi } from "./useApi";

export function lineageUrl(node: string): string {
  return `/lineage?node=${encodeURIComponent(node)}`;
}

function Facts({ version }: { version: DatasetVersion }) {
  return (
    <dl class="facts">
      <div class="fact"><dt>kind</dt><dd>{version.kind}</dd></div>
      {version.rows !== null && <div class="fact"><dt>rows</dt><dd>{formatCount(version.rows)}</dd></div>}
      {version.size !== null && <div class="fact"><dt>size</dt><dd>{formatBytes(version.size)}</dd></div>}
      <div class="fact"><dt>created</dt><dd>{formatTime(version.created_at)}</dd></div>
      {version.first_run && (
        <div class="fact"><dt>first seen in</dt><dd><RouteLink href={`/runs/${encodeURIComponent(version.first_run)}`}>{version.first_run}</RouteLink></dd></div>
      )}
      {version.uri && <div class="fact"><dt>uri</dt><dd><code>{version.uri}</code></dd></div>}
      <div class="fact"><dt>digest</dt><dd><code>{version.digest}</code> <CopyButton text={version.digest} /></dd></div>
    </dl>
  );
}

export function VersionDetail({ version }: { version: DatasetVersion }) {
  const uses = useApi(
    () => api.datasetUses(version.name, version.digest, version.project),
    [version.name, version.digest, version.project],
  );
  return (
    <section class="dataset-version" aria-label={`Version ${version.number}`}>
      <h2>
        v{version.number}{version.label && ` · ${version.label}`}
        <RouteLink class="lineage-link" href={lineageUrl(`dataset:${version.project}/${version.name}@${version.digest}`)}>Lineage</RouteLink>
      </h2>
      <Facts version={version} />
      {version.description && <p class="description">{version.description}</p>}
      <h3>Schema and profile</h3>
      <Profile version={version} />
      <h3>Sources</h3>
      <Sources sources={version.sources} />
      <h3>Datasheet</h3>
      <Datasheet datasheet={version.datasheet} />
      <h3>Runs that used it</h3>
      {uses.error ? <p class="error" role="alert">{uses.error}</p> : uses.data ? <DatasetUses uses={uses.data} /> : <p class="loading">Loading runs…</p>}
    </section>
  );
}

// One registered model: description, tags and chain head; its versions with the
// controls that move aliases and deprecate; and its history as a timeline.
import { useState } from "preact/hooks";
import { api, type RegisteredModel } from "../api";
import { CopyButton } from "../datasets/CopyButton";
import { formatTime, shortDigest } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import type { Action } from "../registry/ActionForm";
import { AliasHistory } from "../registry/AliasHistory";
import { VersionsTable } from "../registry/VersionsTable";
import { AliasChips } from "./models";
import "../datasets/datasets.css";
import "../registry/registry.css";

function ModelHead({ model }: { model: RegisteredModel }) {
  const tags = Object.entries(model.tags);
  return (
    <div class="model-head">
      <nav class="crumbs"><RouteLink href="/models">Models</RouteLink> /</nav>
      <h1>{model.name}</h1>
      <dl class="facts">
        <div class="fact"><dt>project</dt><dd>{model.project}</dd></div>
        <div class="fact"><dt>latest</dt><dd>{model.latest_version === null ? "—" : `v${model.latest_version}`}</dd></div>
        <div class="fact"><dt>aliases</dt><dd><AliasChips aliases={model.aliases} /></dd></div>
        <div class="fact"><dt>created</dt><dd>{formatTime(model.created_at)}{model.created_by && ` by ${model.created_by}`}</dd></div>
        <div class="fact chain-head" title="The registry's hash chain: each change is hashed with the one before it">
          <dt>chain head</dt>
          <dd><code data-testid="head-hash" title={model.head_hash}>#{model.head_seq} {shortDigest(model.head_hash)}</code> <CopyButton text={model.head_hash} /></dd>
        </div>
      </dl>
      {tags.length > 0 && <ul class="tags" aria-label="Tags">{tags.map(([k, v]) => <li key={k}>{v ? `${k}: ${v}` : k}</li>)}</ul>}
      {model.description ? <p class="description">{model.description}</p> : <p class="muted">No description.</p>}
    </div>
  );
}

export function ModelPage({ name }: { name: string }) {
  const model = useApi(() => api.model(name), [name]);
  const versions = useApi(() => api.modelVersions(name), [name]);
  const history = useApi(() => api.modelHistory(name), [name]);
  const [pending, setPending] = useState<Action | null>(null);
  const reload = () => {
    model.reload();
    versions.reload();
    history.reload();
  };
  if (model.error) return <p class="error" role="alert">{model.error}</p>;
  if (model.data === null) return <p class="loading">Loading model…</p>;
  return (
    <article class="catalog model">
      <ModelHead model={model.data} />
      <section>
        <h2>Versions</h2>
        {versions.error && <p class="error" role="alert">{versions.error}</p>}
        {versions.data === null ? <p class="loading">Loading versions…</p> : (
          <VersionsTable model={name} versions={versions.data} pending={pending} onAction={setPending} onChanged={reload} />
        )}
      </section>
      <section>
        <h2>History</h2>
        {history.error && <p class="error" role="alert">{history.error}</p>}
        {history.data === null ? <p class="loading">Loading history…</p> : <AliasHistory events={history.data} />}
      </section>
    </article>
  );
}

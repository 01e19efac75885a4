// A registered model's versions, newest first: status (and why deprecated), aliases,
// digest, flavor, who registered it and when, its source run and lineage; each row
// opens the inline form that changes it, and links to its latest evaluation and its
// compliance page.
import { Fragment } from "preact";
import type { ModelVersion } from "../api";
import { CopyButton } from "../datasets/CopyButton";
import { formatTime, shortDigest } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { lineageUrl } from "../datasets/VersionDetail";
import { MAX_VERSIONS_WITH_EVALUATIONS, VersionEvaluations } from "../evaluation/VersionEvaluations";
import "../evaluation/evaluation.css";
import { ActionForm, type Action } from "./ActionForm";

/** The compliance page of a version. */
export const complianceUrl = (model: string, version: number | string) =>
  `/compliance/${encodeURIComponent(model)}/${encodeURIComponent(String(version))}`;

interface Props {
  model: string;
  versions: ModelVersion[];
  pending: Action | null;
  onAction: (action: Action | null) => void;
  onChanged: () => void;
}

function Aliases({ version, onAction }: { version: ModelVersion; onAction: Props["onAction"] }) {
  return (
    <ul class="chips" aria-label={`Aliases of v${version.version}`}>
      {version.aliases.map((alias) => (
        <li key={alias} class="chip alias">
          @{alias}
          <button type="button" title={`Remove alias @${alias}`} aria-label={`Remove alias @${alias}`}
            onClick={() => onAction({ type: "unalias", version: version.version, alias })}>×</button>
        </li>
      ))}
    </ul>
  );
}

function Row({ model, version, onAction, index }: { model: string; version: ModelVersion; onAction: Props["onAction"]; index: number }) {
  const deprecated = version.status === "deprecated";
  return (
    <tr data-version={version.version} class={deprecated ? "deprecated" : ""}>
      <td><strong>v{version.version}</strong></td>
      <td class={`model-status ${version.status}`}>
        {version.status}
        {deprecated && version.status_reason && <span class="status-reason">: {version.status_reason}</span>}
      </td>
      <td><Aliases version={version} onAction={onAction} /></td>
      <td><code title={version.digest}>{shortDigest(version.digest)}</code> <CopyButton text={version.digest} /></td>
      <td>{version.flavor ?? ""}</td>
      <td>{version.created_by ?? ""}</td>
      <td>{formatTime(version.created_at)}</td>
      <td>{version.run_id ? <RouteLink href={`/runs/${encodeURIComponent(version.run_id)}`} title={version.run_id}>run{version.run_model ? ` · ${version.run_model}` : ""}</RouteLink> : ""}</td>
      <td>
        <RouteLink href={lineageUrl(`model:${model}/${version.version}`)}>lineage</RouteLink>{" · "}
        <RouteLink href={complianceUrl(model, version.version)} class="compliance-link" title={`Annex IV, sign-offs and retention of v${version.version}`}>compliance</RouteLink>
      </td>
      <td>{index < MAX_VERSIONS_WITH_EVALUATIONS ? <VersionEvaluations model={model} version={version.version} /> : ""}</td>
      <td>
        <div class="row-actions">
          <button type="button" onClick={() => onAction({ type: "alias", version: version.version })}>Set alias…</button>
          {!deprecated && <button type="button" onClick={() => onAction({ type: "deprecate", version: version.version })}>Deprecate…</button>}
        </div>
      </td>
    </tr>
  );
}

export function VersionsTable({ model, versions, pending, onAction, onChanged }: Props) {
  if (versions.length === 0) return <p class="muted">No versions registered yet.</p>;
  return (
    <div class="scroll-x">
      <table class="model-versions" aria-label="Versions">
        <thead>
          <tr><th>version</th><th>status</th><th>aliases</th><th>digest</th><th>flavor</th><th>by</th><th>created</th><th>source</th><th /><th>evaluation</th><th /></tr>
        </thead>
        <tbody>
          {versions.map((version, index) => (
            <Fragment key={version.version}>
              <Row model={model} version={version} onAction={onAction} index={index} />
              {pending?.version === version.version && (
                <tr class="action-row">
                  <td colSpan={11}>
                    <ActionForm key={JSON.stringify(pending)} model={model} action={pending} onCancel={() => onAction(null)}
                      onDone={() => { onAction(null); onChanged(); }} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

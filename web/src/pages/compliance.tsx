// A model version's compliance: the Annex IV document's completeness by item (with its
// downloads), the latest evaluation's criteria and verdicts, sign-offs against the
// policies, retention (market placement, legal holds), and "Verify now".
import { useState } from "preact/hooks";
import { api, type EvaluationRecord } from "../api";
import { Command } from "../compliance/Command";
import { CompletenessTable } from "../compliance/CompletenessTable";
import { Downloads } from "../compliance/Downloads";
import { LatestEvaluation } from "../compliance/LatestEvaluation";
import { RetentionStatus } from "../compliance/RetentionStatus";
import { Policies, SignatureTable, SignoffCommand } from "../compliance/Signoffs";
import { VerifyNow } from "../compliance/VerifyNow";
import { CopyButton } from "../datasets/CopyButton";
import { formatTime, shortDigest } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import "../datasets/datasets.css";
import "../run/run.css";
import "../registry/registry.css";
import "../evaluation/evaluation.css";
import "../compliance/compliance.css";

function Loading({ error, what }: { error: string | null; what: string }) {
  return error ? <p class="error" role="alert">{error}</p> : <p class="loading">Loading {what}…</p>;
}

function EvaluationSignatures({ record }: { record: EvaluationRecord }) {
  const signatures = useApi(() => api.signatures(`evaluation:${record.id}`), [record.id]);
  if (signatures.data === null) return <Loading error={signatures.error} what="the evaluation's signatures" />;
  return (
    <>
      <h3>On its latest evaluation</h3>
      <SignatureTable signatures={signatures.data} label={`evaluation ${record.id}`} />
      <Command text={`trackrecord sign evaluation ${record.id} --meaning review`} label="to sign it" />
    </>
  );
}

export function CompliancePage({ name, version }: { name: string; version: string }) {
  const target = `model:${name}/${version}`;
  const model = useApi(() => api.model(name), [name]);
  const details = useApi(() => api.modelVersion(name, version), [name, version]);
  const doc = useApi(() => api.annexIv(name, version), [name, version]);
  const evaluations = useApi(() => api.evaluations({ target }), [target]);
  const signatures = useApi(() => api.signatures(target), [target]);
  const policies = useApi(() => api.policies(name), [name]);
  const retention = useApi(() => api.retention(name, version), [name, version]);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  if (details.error) return <p class="error" role="alert">{details.error}</p>;
  const v = details.data;
  const latest = evaluations.data?.[0] ?? null;
  const modelHref = `/models/${encodeURIComponent(name)}`;
  return (
    <article class="catalog compliance">
      <div class="compliance-head">
        <nav class="crumbs">
          <RouteLink href="/models">Models</RouteLink> / <RouteLink href={modelHref}>{name}</RouteLink> /
        </nav>
        <h1>{name} v{version} <span class="muted">compliance</span></h1>
        {v === null ? <p class="loading">Loading version…</p> : (
          <dl class="facts">
            <div class="fact"><dt>status</dt><dd class={`model-status ${v.status}`} data-testid="status">{v.status}{v.status_reason ? `: ${v.status_reason}` : ""}</dd></div>
            <div class="fact"><dt>digest</dt><dd><code title={v.digest}>{shortDigest(v.digest)}</code> <CopyButton text={v.digest} /></dd></div>
            <div class="fact"><dt>aliases</dt><dd>
              {v.aliases.length ? <ul class="chips" aria-label="Aliases">{v.aliases.map((a) => <li key={a} class="chip alias">@{a}</li>)}</ul> : <span class="muted">none</span>}
            </dd></div>
            <div class="fact"><dt>registered</dt><dd>{formatTime(v.created_at)}{v.created_by && ` by ${v.created_by}`}</dd></div>
            {model.data && <div class="fact"><dt>project</dt><dd>{model.data.project}</dd></div>}
            {doc.data?.as_of && <div class="fact"><dt>records as of</dt><dd>{doc.data.as_of}</dd></div>}
          </dl>
        )}
        <Downloads name={name} version={version} onError={setDownloadError} />
        {downloadError && <p class="error" role="alert">{downloadError}</p>}
      </div>

      <section aria-labelledby="h-completeness">
        <h2 id="h-completeness">Annex IV completeness</h2>
        {doc.data === null ? <Loading error={doc.error} what="the Annex IV document" /> : <CompletenessTable doc={doc.data} name={name} version={version} />}
      </section>

      <section aria-labelledby="h-evaluation">
        <h2 id="h-evaluation">Criteria and verdicts</h2>
        {evaluations.data === null ? <Loading error={evaluations.error} what="evaluations" />
          : latest === null ? <p class="muted">This version has not been evaluated (<code>trackrecord.evaluate(…, model_version="models:/{name}/{version}")</code>).</p>
          : <LatestEvaluation record={latest} count={evaluations.data.length} />}
      </section>

      <section aria-labelledby="h-signoffs">
        <h2 id="h-signoffs">Sign-offs</h2>
        {signatures.data === null ? <Loading error={signatures.error} what="signatures" /> : (
          <>
            <h3>Policies</h3>
            {policies.data === null ? <Loading error={policies.error} what="policies" /> : <Policies policies={policies.data} signatures={signatures.data} />}
            <h3>On this version</h3>
            <SignatureTable signatures={signatures.data} label={`v${version}`} />
            <SignoffCommand name={name} version={version} />
          </>
        )}
        {latest && <EvaluationSignatures record={latest} />}
      </section>

      <section aria-labelledby="h-retention">
        <h2 id="h-retention">Retention</h2>
        {retention.data === null ? <Loading error={retention.error} what="retention" /> : <RetentionStatus retention={retention.data} name={name} version={version} />}
      </section>

      <section aria-labelledby="h-verify">
        <h2 id="h-verify">Verification</h2>
        <VerifyNow name={name} version={version} />
      </section>
    </article>
  );
}

// The models a run logged: flavor, format, size, signature, frameworks, risks, the
// runs:/ URI to load it by, and the registry versions made from it.
import { api, type ModelVersion, type RunModel, type TensorSpec } from "../api";
import { CopyButton } from "../datasets/CopyButton";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import { formatBytes } from "./format";
import "../datasets/datasets.css";

const MAX_MODELS_SCANNED = 25; // registry versions are per model, not per run: look at a few

/** "X float32 (-1, 2)" for each tensor, or "" without a signature. */
export function formatTensors(specs: TensorSpec[] | undefined): string {
  return (specs ?? [])
    .map((s) => [s.name ?? "?", s.dtype, s.shape ? `(${s.shape.join(", ")})` : null].filter(Boolean).join(" "))
    .join(", ");
}

/** The registered versions whose source is one of this run's models. */
async function registeredFrom(runId: string, project: string): Promise<ModelVersion[]> {
  const models = (await api.models()).filter((m) => m.project === project).slice(0, MAX_MODELS_SCANNED);
  const versions = await Promise.all(models.map((m) => api.modelVersions(m.name).catch(() => [] as ModelVersion[])));
  return versions.flat().filter((v) => v.run_id === runId);
}

function Registered({ versions }: { versions: ModelVersion[] }) {
  if (versions.length === 0) return <span class="muted">not registered</span>;
  return (
    <ul class="chips">
      {versions.map((v) => (
        <li key={`${v.model}/${v.version}`} class="chip">
          <RouteLink href={`/models/${encodeURIComponent(v.model)}`}>{v.model} v{v.version}</RouteLink>
          {v.aliases.map((a) => ` @${a}`).join("")}
          {v.status === "deprecated" && " (deprecated)"}
        </li>
      ))}
    </ul>
  );
}

function ModelCard({ model, registered }: { model: RunModel; registered: ModelVersion[] | null }) {
  const uri = `runs:/${model.run_id}/${model.name}`;
  const meta = model.meta ?? {};
  const frameworks = Object.entries(meta.frameworks ?? {});
  const risks = meta.risks ?? [];
  return (
    <li class="run-model" data-name={model.name}>
      <h3>{model.name}</h3>
      <dl class="key-values">
        <div><dt>load with</dt><dd><code>{uri}</code> <CopyButton text={uri} /></dd></div>
        <div><dt>flavor</dt><dd>{model.flavor} ({model.format})</dd></div>
        {meta.model_class && <div><dt>class</dt><dd><code>{meta.model_class}</code></dd></div>}
        <div><dt>size</dt><dd>{formatBytes(model.size)} in {model.files.length} file{model.files.length === 1 ? "" : "s"}</dd></div>
        {meta.signature && <div><dt>inputs</dt><dd>{formatTensors(meta.signature.inputs) || "—"}</dd></div>}
        {meta.signature && meta.signature.outputs.length > 0 && <div><dt>outputs</dt><dd>{formatTensors(meta.signature.outputs)}</dd></div>}
        {frameworks.length > 0 && <div><dt>frameworks</dt><dd>{frameworks.map(([k, v]) => `${k} ${v}`).join(", ")}</dd></div>}
        {registered && <div><dt>registered</dt><dd><Registered versions={registered.filter((v) => v.run_model === model.name)} /></dd></div>}
      </dl>
      {risks.length > 0 && (
        <div class="model-risks warn" role="note">
          <strong>⚠ Loading this model may be unsafe:</strong>
          <ul>{risks.map((r) => <li key={r}>{r}</li>)}</ul>
        </div>
      )}
    </li>
  );
}

export function Models({ runId, project }: { runId: string; project: string }) {
  const { data, error } = useApi(() => api.runModels(runId), [runId]);
  const hasModels = (data?.length ?? 0) > 0;
  const registered = useApi(() => (hasModels ? registeredFrom(runId, project) : Promise.resolve([])), [runId, project, hasModels]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (data === null) return <p class="loading">Loading models…</p>;
  if (data.length === 0) return <p class="muted">No models logged.</p>;
  return <ul class="run-models">{data.map((m) => <ModelCard key={m.name} model={m} registered={registered.data} />)}</ul>;
}

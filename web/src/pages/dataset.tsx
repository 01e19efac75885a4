// One project's dataset (?project=P; may be left out when only one project has the name):
// its versions, and the selected one (?v=N, newest by default) in full.
import { api } from "../api";
import { datasetUrl } from "../datasets/format";
import { RouteLink } from "../datasets/RouteLink";
import { useApi } from "../datasets/useApi";
import { VersionDetail } from "../datasets/VersionDetail";
import { VersionList } from "../datasets/VersionList";
import { navigate } from "../router";
import "../datasets/datasets.css";

export function DatasetPage({ name, params }: { name: string; params: URLSearchParams }) {
  const project = params.get("project") ?? undefined;
  const { data: versions, error } = useApi(() => api.datasetVersions(name, project), [name, project]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (versions === null) return <p class="loading">Loading dataset…</p>;
  const wanted = Number(params.get("v"));
  const selected = versions.find((v) => v.number === wanted) ?? versions[0] ?? null;
  const owner = project ?? versions[0]?.project;
  const select = (n: number) => navigate(datasetUrl(name, owner, n), true);
  return (
    <article class="dataset catalog">
      <nav class="crumbs"><RouteLink href="/datasets">Datasets</RouteLink> /</nav>
      <h1>{name}</h1>
      {owner && <p class="muted project">project {owner}</p>}
      <p class="muted">{versions.length} version{versions.length === 1 ? "" : "s"}</p>
      {params.has("v") && selected && selected.number !== wanted && <p class="error" role="alert">There is no version {params.get("v")}; showing v{selected.number}.</p>}
      <div class="scroll-x">
        <VersionList versions={versions} selected={selected?.number ?? null} onSelect={select} />
      </div>
      {selected && <VersionDetail version={selected} />}
    </article>
  );
}

// Lineage: how data flowed from datasets through runs to model versions and aliases,
// around one node (?node=), upstream, downstream or both, to a depth.
import { useEffect, useState } from "preact/hooks";
import { api, type LineageNode } from "../api";
import { useApi } from "../datasets/useApi";
import { LineageGraph } from "../lineage/LineageGraph";
import { KINDS, nodeUrl } from "../lineage/nodes";
import { DIRECTIONS, MAX_DEPTH, viewFromParams, viewToUrl, type LineageView } from "../lineage/view";
import { navigate } from "../router";
import "../lineage/lineage.css";

function Controls({ view, setView }: { view: LineageView; setView: (patch: Partial<LineageView>) => void }) {
  const [node, setNode] = useState(view.node);
  useEffect(() => setNode(view.node), [view.node]);
  return (
    <form class="lineage-controls" onSubmit={(e) => { e.preventDefault(); setView({ node: node.trim() }); }}>
      <label>
        Node
        <input name="node" value={node} placeholder="dataset:NAME@DIGEST, run:ID, model:NAME/3, alias:NAME@champion" onInput={(e) => setNode(e.currentTarget.value)} />
      </label>
      <label>
        Direction
        <select value={view.direction} onChange={(e) => setView({ direction: e.currentTarget.value as LineageView["direction"] })}>
          {DIRECTIONS.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
      </label>
      <label>
        Depth
        <input type="number" min={1} max={MAX_DEPTH} value={view.depth} onChange={(e) => setView({ depth: Number(e.currentTarget.value) || 1 })} />
      </label>
      <ul class="legend" aria-label="Legend">{KINDS.map((k) => <li key={k} class={k}>{k}</li>)}</ul>
    </form>
  );
}

function Graph({ view }: { view: LineageView }) {
  const { data, error } = useApi(() => api.lineage(view.node, view.direction, view.depth), [view.node, view.direction, view.depth]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (data === null) return <p class="loading">Loading lineage…</p>;
  const open = (node: LineageNode) => {
    const url = nodeUrl(node);
    if (url) navigate(url);
  };
  const reroot = (node: LineageNode) => navigate(viewToUrl({ ...view, node: node.id }));
  return (
    <>
      <p class="muted">{data.nodes.length} nodes, {data.edges.length} edges. Click a node to open it; double-click (or ⊙) to centre the graph on it.</p>
      <LineageGraph graph={data} onOpen={open} onReroot={reroot} />
    </>
  );
}

export function LineagePage({ params }: { params: URLSearchParams }) {
  const view = viewFromParams(params);
  const setView = (patch: Partial<LineageView>) => navigate(viewToUrl({ ...view, ...patch }), true);
  return (
    <article class="lineage-page">
      <h1>Lineage</h1>
      <Controls view={view} setView={setView} />
      {view.node ? (
        <Graph view={view} />
      ) : (
        <p class="muted">Choose a node: follow a “Lineage” link from a dataset or model page, or type a node id above.</p>
      )}
    </article>
  );
}

"""Exporting lineage as OpenLineage ``RunEvent`` objects (spec 2-0-2).

Each run of a lineage graph becomes one event: its inputs are the dataset
versions it read, its outputs the dataset versions it produced and the model
versions registered from it. OpenLineage wants a UUID as ``runId``; a run's is
derived from its TrackRecord id (UUID 5), which the ``trackrecord`` run facet
keeps beside it. Dataset versions carry their content digest in the standard
``version`` facet, and their schema in the ``schema`` facet.

Example:
    >>> events = openlineage_events(api.lineage("model:churn/1"), api.store)  # doctest: +SKIP
    >>> events[0]["eventType"]  # doctest: +SKIP
    'COMPLETE'
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from trackrecord.errors import NotFoundError
from trackrecord.store.base import Store
from trackrecord.store.lineage import LineageGraph, Node

__all__ = ["PRODUCER", "openlineage_events", "run_uuid"]

PRODUCER: Final = "https://github.com/trackrecord/trackrecord"
SCHEMA_URL: Final = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
_FACETS: Final = "https://openlineage.io/spec/facets/1-0-1/"
_EVENT_TYPES: Final = {"finished": "COMPLETE", "failed": "FAIL", "killed": "ABORT",
                       "crashed": "FAIL", "running": "RUNNING"}  # fmt: skip
_NAMESPACE: Final = uuid.UUID("6f1c51d2-3a35-5b8e-9c1e-8d7b2f0a4e11")


def run_uuid(run_id: str) -> str:
    """The UUID that stands for a TrackRecord run id in OpenLineage.

    Example:
        >>> run_uuid("01jabc") == run_uuid("01jabc")
        True
    """
    return str(uuid.uuid5(_NAMESPACE, run_id))


def _time(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).isoformat()


def _facet(kind: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": f"{_FACETS}{kind}.json", **fields}


def _dataset(node: Node, store: Store) -> dict[str, Any]:
    attrs = node.attrs
    if node.kind == "model":
        return {
            "namespace": "trackrecord-models",
            "name": str(attrs["model"]),
            "facets": {
                "version": _facet("DatasetVersionDatasetFacet",
                                  datasetVersion=str(attrs["version"])),
                "trackrecord": _facet("TrackRecordModelFacet", digest=attrs.get("digest"),
                                      flavor=attrs.get("flavor")),
            },
        }  # fmt: skip
    version = store.catalog.dataset_version(
        str(attrs["name"]), str(attrs["digest"]), str(attrs["project"])
    )
    facets: dict[str, Any] = {
        "version": _facet("DatasetVersionDatasetFacet", datasetVersion=version.digest),
    }
    if version.schema:
        fields = [{"name": str(c.get("name")), "type": str(c.get("type"))} for c in version.schema]
        facets["schema"] = _facet("SchemaDatasetFacet", fields=fields)
    if version.uri:
        facets["dataSource"] = _facet("DatasourceDatasetFacet", name=version.name, uri=version.uri)
    text = version.description or (version.datasheet or {}).get("purpose")
    if text:
        facets["documentation"] = _facet("DocumentationDatasetFacet", description=str(text))
    # dataset names are namespaced per project, and so are OpenLineage's
    return {"namespace": f"trackrecord/{version.project}", "name": version.name, "facets": facets}


def openlineage_events(graph: LineageGraph, store: Store) -> list[dict[str, Any]]:
    """One OpenLineage ``RunEvent`` per run of *graph*, oldest run first."""
    events = []
    runs = sorted((n for n in graph.nodes.values() if n.kind == "run"),
                  key=lambda n: int(n.attrs.get("created_at", 0)))  # fmt: skip
    for node in runs:
        try:
            run = store.get_run(str(node.attrs["run_id"]))
        except NotFoundError:
            continue
        inputs = [graph.nodes[e.source] for e in graph.upstream_of(node.id)
                  if graph.nodes[e.source].kind == "dataset"]  # fmt: skip
        outputs = [graph.nodes[e.target] for e in graph.downstream_of(node.id)
                   if graph.nodes[e.target].kind in ("dataset", "model")]  # fmt: skip
        run_facets: dict[str, Any] = {
            "trackrecord": _facet("TrackRecordRunFacet", runId=run.id, project=run.project,
                                  name=run.name, headHash=run.head_hash),
        }  # fmt: skip
        if run.parent:
            parent_project = store.get_run(run.parent).project
            run_facets["parent"] = _facet(
                "ParentRunFacet",
                run={"runId": run_uuid(run.parent)},
                job={"namespace": "trackrecord", "name": parent_project},
            )
        job_name = run.project if run.group is None else f"{run.project}.{run.group}"
        events.append(
            {
                "eventType": _EVENT_TYPES.get(run.status, "OTHER"),
                "eventTime": _time(run.finished_at or run.created_at),
                "run": {"runId": run_uuid(run.id), "facets": run_facets},
                "job": {"namespace": "trackrecord", "name": job_name, "facets": {}},
                "inputs": [_dataset(n, store) for n in inputs],
                "outputs": [_dataset(n, store) for n in outputs],
                "producer": PRODUCER,
                "schemaURL": SCHEMA_URL,
            }
        )
    return events

"""The OpenAPI 3.1 document of the HTTP API, built from one table keyed by (path, method).

:data:`OPERATIONS` describes every route the server serves: its parameters, its
request body (with the binary media types of events and artifacts), its
responses and the one error shape. Record schemas are derived from the
dataclasses the server sends, so a field added to :class:`RunRecord` shows up
here by itself, and error codes come from :data:`wire.ERRORS`. A test walks
``app.routes`` and fails when a route is served but not described here, or
described but not served: :func:`served` lists what an app serves.

Example:
    >>> doc = document()
    >>> doc["openapi"], sorted(doc["paths"]["/api/v1/runs"])
    ('3.1.0', ['get'])
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import numpy as np
from starlette.routing import BaseRoute, Mount, Route

from trackrecord.audit import AuditEntry
from trackrecord.identity import ROLES, TokenRecord, UserRecord
from trackrecord.record import wire
from trackrecord.store.base import (
    RUN_STATUSES,
    ArtifactRecord,
    MetricSummary,
    ProjectRecord,
    RunRecord,
)
from trackrecord.store.catalog import (
    VERSION_STATUSES,
    CriteriaSet,
    DatasetName,
    DatasetUse,
    DatasetVersion,
    EvaluationRecord,
    LoggedModel,
    ModelVersion,
    RegisteredModel,
)
from trackrecord.store.lineage import NODE_KINDS
from trackrecord.store.series import Buckets

__all__ = ["OPERATIONS", "Operation", "document", "schema_of", "served"]

Schema = dict[str, Any]
OCTETS: Final = "application/octet-stream"
STRING: Final[Schema] = {"type": "string"}
INTEGER: Final[Schema] = {"type": "integer"}
INT64: Final[Schema] = INTEGER | {"format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1}
BOOLEAN: Final[Schema] = {"type": "boolean"}
SHA256: Final[Schema] = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_OPEN: Final[Schema] = {"additionalProperties": True}  # request bodies: other fields are ignored
STRING_MAP: Final[Schema] = {"type": ["object", "null"], "additionalProperties": STRING}


def ref(name: str) -> Schema:
    """A reference to a schema of ``components.schemas``."""
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema) -> Schema:
    """A JSON array of *items*."""
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    """*schema* or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: Iterable[str] | None = None, **properties: Schema) -> Schema:
    """A closed object of *properties* (all required unless *required* names some)."""
    needed = list(properties if required is None else required)
    return {"type": "object", "properties": properties, "required": needed,
            "additionalProperties": False}  # fmt: skip


@dataclass(frozen=True)
class Operation:
    """One (path, method) as the document describes it.

    *ok* maps media types to the schema of the success response (status
    *status*); *body* does the same for the request body. *errors* are the
    error statuses worth naming; every other status is documented as the one
    error shape too. *more* holds other responses by status (a redirect).
    *public* operations need no token.
    """

    tag: str
    summary: str
    ok: Mapping[str, Schema]
    description: str = ""
    parameters: tuple[Schema, ...] = ()
    body: Mapping[str, Schema] | None = None
    status: int = 200
    errors: tuple[int, ...] = (400, 401, 404)
    public: bool = False
    more: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def path(name: str, text: str, schema: Schema = STRING) -> Schema:
    """A path parameter."""
    return {"name": name, "in": "path", "required": True, "description": text, "schema": schema}


def query(name: str, text: str, schema: Schema = STRING) -> Schema:
    """An optional query parameter (arrays repeat the name: ``?type=a&type=b``)."""
    return {"name": name, "in": "query", "description": text, "schema": schema}


def as_json(schema: Schema) -> dict[str, Schema]:
    """A JSON body of *schema*."""
    return {"application/json": schema}


def binary(media_type: str) -> dict[str, Schema]:
    """A body of raw bytes of *media_type*."""
    return {media_type: {"type": "string", "contentMediaType": media_type}}


def _admin(summary: str, ok: Schema, *params: Schema, **options: Any) -> Operation:
    """An operation of accounts and the audit log, answering JSON."""
    options.setdefault("errors", (400, 401, 403, 404))
    return Operation("admin", summary, as_json(ok), parameters=params, **options)


RUN_ID: Final = path("run_id", "The run's id.", ref("RunId"))
USER: Final = path("name", "A user name.", ref("UserName"))
PROJECT: Final = path("project", "A project name.", {"type": "string", "minLength": 1})
DIGEST: Final = path("sha256", "The content's SHA-256, in hex.", SHA256)
TOKEN_ID: Final = path("token_id", "A token's id (not its secret).")
NAME_PATTERN: Final[Schema] = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"}
DATASET: Final = path("name", "A dataset's name.", NAME_PATTERN)
MODEL: Final = path("name", "A registered model's name.", NAME_PATTERN)
DATASET_PROJECT: Final = query(
    "project",
    "The project whose dataset this is (dataset names are namespaced per project); may be "
    "left out when only one project the caller reads has a dataset of this name.",
)
UPLOAD_FOR: Final = query(
    "project", "The project the content is uploaded for (the editor role there is needed)."
)
VERSION: Final = path("version", "A version number.", {"type": "string", "pattern": "^[0-9]+$"})
ALIAS: Final = path(
    "alias",
    "An alias, such as `champion`.",
    {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,63}$"},
)
REASON: Final[Schema] = nullable(STRING)
_EDIT: Final = (400, 401, 403, 404)
POLICY: Final[Schema] = {  # "required" is a field here, so not built with obj()
    "type": "object",
    "additionalProperties": False,
    "required": ["model", "alias", "required"],
    "properties": {"model": STRING, "alias": STRING, "required": INTEGER},
}


def _registry(summary: str, ok: Schema, *params: Schema, **options: Any) -> Operation:
    """An operation of the model registry, answering JSON."""
    options.setdefault("errors", _EDIT)
    return Operation("registry", summary, as_json(ok), parameters=params, **options)


# fmt: off
OPERATIONS: Final[Mapping[tuple[str, str], Operation]] = {
    ("/healthz", "GET"): Operation(
        "probes", "The process answers", as_json(ref("Health")), errors=(), public=True,
    ),
    ("/readyz", "GET"): Operation(
        "probes", "The process and its database answer", as_json(ref("Ready")),
        "503, with a reason, while the database does not answer.", errors=(503,), public=True,
    ),
    ("/openapi.json", "GET"): Operation(
        "docs", "This document", as_json({"type": "object"}), errors=(), public=True,
    ),
    ("/docs", "GET"): Operation(
        "docs", "Interactive documentation (self-contained: no network access needed)",
        {"text/html": STRING}, errors=(), public=True,
    ),
    **{
        (path, "GET"): Operation(
            "ui", f"The web UI: {what} (the app's HTML; the app reads the view from the URL)",
            {"text/html": STRING}, errors=(), public=True, parameters=parameters,
        )
        for path, what, parameters in (
            ("/", "the runs table", ()),
            ("/runs/{run_id}", "a run's page", (RUN_ID,)),
            ("/compare", "runs compared", ()),
            ("/datasets", "the datasets", ()),
            ("/datasets/{name}", "a dataset's versions", (DATASET,)),
            ("/models", "the model registry", ()),
            ("/models/{name}", "a registered model", (MODEL,)),
            ("/lineage", "the lineage graph of a node", ()),
            ("/evaluations/compare", "two evaluations side by side", ()),
            ("/compliance/{name}/{version}", "a model version's compliance page",
             (MODEL, path("version", "A version number."))),
            ("/evaluations/{evaluation_id}", "an evaluation",
             (path("evaluation_id", "An evaluation's id."),)),
        )
    },
    ("/favicon.svg", "GET"): Operation(
        "ui", "The icon", {"image/svg+xml": STRING}, errors=(), public=True,
    ),
    ("/api/v1/projects", "GET"): Operation(
        "runs", "The projects the caller may read", as_json(array(ref("Project"))), errors=(401,),
    ),
    ("/api/v1/runs", "GET"): Operation(
        "runs", "Search runs, one page at a time", as_json(ref("RunPage")),
        "Pass a page's `next_cursor` as `cursor` to get the next page. Only runs of the "
        "projects the token may read are ever searched, whatever the query says.",
        (
            query("q", "A query, such as `metrics.acc.max > 0.9 and params.lr < 0.1`."),
            query("project", "Only runs of this project."),
            query("projects", "Only runs of these projects (narrows what the token may read).",
                  array(STRING)),
            query("order", "Sort keys such as `-metrics.acc.max` (default: newest first).",
                  array(STRING)),
            query("limit", "Runs per page.", INT64 | {"minimum": 1, "default": 100}),
            query("cursor", "The `next_cursor` of the page before."),
            query("deleted", "Search the deleted runs instead.", BOOLEAN | {"default": False}),
        ),
        errors=(400, 401),
    ),
    ("/api/v1/runs/{run_id}", "GET"): Operation(
        "runs", "One run", as_json(ref("Run")), parameters=(RUN_ID,),
    ),
    ("/api/v1/runs/{run_id}/environment", "GET"): Operation(
        "runs", "What was captured when the run started: git, Python and packages, system, "
        "GPUs, command line, chosen environment variables ({} when capture was off)",
        as_json({"type": "object"}), parameters=(RUN_ID,),
    ),
    ("/api/v1/runs/{run_id}/console", "GET"): Operation(
        "runs", "What the run printed: stdout and stderr lines in order, each "
        "`[time_ms, stream, text]` (none when console capture was off)",
        as_json(obj(lines=array({"type": "array", "minItems": 3, "maxItems": 3,
                                 "items": {"type": ["integer", "string"]}}))),
        parameters=(RUN_ID,),
    ),
    ("/api/v1/runs/{run_id}", "PATCH"): Operation(
        "runs", "Change an ended run's notes or name (editors; appended as events)",
        as_json(ref("Run")), parameters=(RUN_ID,),
        body=as_json(obj(notes={"type": ["string", "null"]}, name=STRING) | _OPEN),
        errors=(400, 401, 403, 404, 409, 423),
    ),
    ("/api/v1/runs/{run_id}/events", "POST"): Operation(
        "events", "Append events (idempotent by seq)", as_json(ref("Appended")),
        "CRC-framed records, as the SDK's spool writes them; events already stored are "
        "skipped. A new run's first event is its `run.start`. Each event is checked against "
        "the one schema of event bodies (400 names the event, the field and what is "
        "allowed); an ended run takes only annotations and a `run.resume` (409). Bodies "
        "over the server's limits are refused with 413 as they stream in.",
        (RUN_ID,), binary(wire.EVENTS_TYPE), errors=(400, 401, 403, 404, 409, 413, 423),
    ),
    ("/api/v1/runs/{run_id}/events", "GET"): Operation(
        "events", "A run's events after a seq", binary(wire.EVENTS_TYPE),
        "CRC-framed records in seq order; metric events carry their points as raw columns.",
        (
            RUN_ID,
            query("since", "Only events after this seq.", INT64 | {"default": 0}),
            query("type", "Only events of these types, such as `metrics`.", array(STRING)),
        ),
    ),
    ("/api/v1/runs/{run_id}/metrics/{key}", "GET"): Operation(
        "metrics", "A metric's points, or downsampled buckets",
        binary(wire.SERIES_TYPE) | as_json(ref("Buckets")),
        "Without `buckets`: raw little-endian columns, n steps (int64), n values (float64) "
        "and n times (int64, Unix ms). With `buckets`: JSON columns, one entry per non-empty "
        "bucket.",
        (
            RUN_ID,
            path("key", "The metric key (it may contain `/`).", {"type": "string", "minLength": 1}),
            query("from", "The first step (inclusive).", INT64),
            query("to", "The last step (inclusive).", INT64),
            query("buckets", "Downsample to at most this many buckets.",
                  INT64 | {"minimum": 1}),
            query("times", "With `buckets`: also `time_end`, the time (Unix ms) of each "
                  "bucket's last step, and `time_first`, the metric's first point's time "
                  "(for charts against wall-clock or relative time).", BOOLEAN),
        ),
    ),
    ("/api/v1/runs/{run_id}/artifacts", "GET"): Operation(
        "artifacts", "The files a run recorded", as_json(array(ref("Artifact"))),
        parameters=(RUN_ID,),
    ),
    ("/api/v1/artifacts", "POST"): Operation(
        "artifacts", "Upload content (stored by its SHA-256) for a project",
        as_json(ref("Uploaded")),
        "Streamed to disk. The project then holds the content: its runs may name the digest "
        "in their events (runs of other projects may not, unless their caller may read it). "
        "Without `project`: for every project the caller may log to.",
        (UPLOAD_FOR,), body=binary(OCTETS), errors=(400, 401, 403),
    ),
    ("/api/v1/artifacts/{sha256}/table", "GET"): Operation(
        "artifacts", "The first rows of a Parquet table (a preview)",
        as_json(obj(columns=array(STRING), types=array(STRING), rows=array(array({})),
                    total_rows=INTEGER)),
        "Values JSON lacks (bytes, dates, decimals, NaN) come back as text.",
        parameters=(path("sha256", "The content's SHA-256.", SHA256),
                    query("rows", "How many rows (1 to 1000, default 50).", INT64)),
    ),
    ("/api/v1/artifacts/{sha256}", "GET"): Operation(
        "artifacts", "Content by SHA-256", binary(OCTETS),
        "With `redirect=true`, when the artifact store can presign (S3): 307 to a presigned "
        "URL of the content, after the same checks.",
        (DIGEST, query("redirect", "Answer 307 to a presigned URL when the store has one.",
                       BOOLEAN | {"default": False})),
        more={"307": {"description": "Fetch the content from `Location` (presigned).",
                      "headers": {"Location": {"schema": STRING}}}},
    ),
    ("/api/v1/artifacts/{sha256}/upload", "POST"): Operation(
        "artifacts", "Offer to upload content straight to the artifact store",
        as_json(ref("UploadOffer")),
        "A presigned PUT that the artifact store refuses unless the bytes hash to `sha256`; "
        '`{"url": null}` when the store cannot presign: send the bytes to `POST '
        '/api/v1/artifacts` instead.',
        (DIGEST, UPLOAD_FOR), as_json(obj(size=INT64 | {"minimum": 0}) | _OPEN),
        errors=(400, 401, 403),
    ),
    ("/api/v1/artifacts/{sha256}/uploaded", "POST"): Operation(
        "artifacts", "Say that the PUT of an upload offer was sent",
        as_json(obj(sha256=SHA256)),
        "The stored content must carry the offer's `receipt` (only its PUT stores it): then "
        "the project holds the content, as after `POST /api/v1/artifacts`. 404 when it does "
        "not (the PUT was not sent, or the content was stored again since): send the bytes "
        "through the server instead.",
        (DIGEST, UPLOAD_FOR), as_json(obj(receipt=STRING) | _OPEN),
        errors=(400, 401, 403, 404),
    ),
    ("/api/v1/datasets", "GET"): Operation(
        "datasets", "Dataset names the caller's projects used", as_json(array(ref("DatasetName"))),
        errors=(401,),
    ),
    ("/api/v1/datasets/{name}/versions", "GET"): Operation(
        "datasets", "A dataset's versions, newest first", as_json(array(ref("DatasetVersion"))),
        parameters=(DATASET, DATASET_PROJECT),
    ),
    ("/api/v1/datasets/{name}/versions/{version}", "GET"): Operation(
        "datasets", "One version: by number, SHA-256, or 8+ leading hex digits of it",
        as_json(ref("DatasetVersion")),
        parameters=(DATASET, path("version", "A number, a digest or a digest prefix."),
                    DATASET_PROJECT),
    ),
    ("/api/v1/datasets/{name}/uses", "GET"): Operation(
        "datasets", "The runs that read or produced a dataset", as_json(array(ref("DatasetUse"))),
        parameters=(DATASET, query("digest", "Only this version (number, digest or prefix)."),
                    DATASET_PROJECT),
    ),
    ("/api/v1/runs/{run_id}/datasets", "GET"): Operation(
        "datasets", "The datasets a run read or produced", as_json(array(ref("DatasetUse"))),
        parameters=(RUN_ID,),
    ),
    ("/api/v1/runs/{run_id}/models", "GET"): Operation(
        "registry", "The models a run logged", as_json(array(ref("LoggedModel"))),
        parameters=(RUN_ID,),
    ),
    ("/api/v1/runs/{run_id}/models/{name}", "GET"): Operation(
        "registry", "One model a run logged", as_json(ref("LoggedModel")),
        parameters=(RUN_ID, MODEL),
    ),
    ("/api/v1/lineage", "GET"): Operation(
        "lineage", "The lineage graph around a node", as_json(ref("LineageGraph")),
        "Nodes: `dataset:PROJECT/NAME@VERSION` (number or digest; `dataset:NAME@VERSION` for "
        "a name only one of the caller's projects has), `run:RUN_ID`, "
        "`model:NAME/VERSION`, `alias:NAME@ALIAS`. Edges point the way data flows.",
        (
            query("node", "Where to start, such as `model:churn/3`."),
            query("direction", "Which way to walk.",
                  {"enum": ["upstream", "downstream", "both"], "default": "both"}),
            query("depth", "How many edges at most.",
                  INT64 | {"minimum": 0, "maximum": 100, "default": 10}),
        ),
    ),
    ("/api/v1/models", "GET"): _registry(
        "Registered models of the caller's projects", array(ref("RegisteredModel")),
        errors=(401,),
    ),
    ("/api/v1/models", "POST"): _registry(
        "Register a model name in a project (editors)", ref("RegisteredModel"), status=201,
        body=as_json(obj(("name", "project"), name=STRING, project=STRING,
                         description=nullable(STRING), tags=STRING_MAP) | _OPEN),
    ),
    ("/api/v1/models/{name}", "GET"): _registry(
        "A registered model and its aliases", ref("RegisteredModel"), MODEL, errors=(400, 401, 404),
    ),
    ("/api/v1/models/{name}", "PATCH"): _registry(
        "Change a registered model's description or tags (editors; recorded)",
        ref("RegisteredModel"), MODEL,
        body=as_json(obj((), description=nullable(STRING), tags=STRING_MAP, reason=REASON)
                     | _OPEN),
    ),
    ("/api/v1/models/{name}/versions", "GET"): _registry(
        "A registered model's versions, newest first", array(ref("ModelVersion")), MODEL,
        errors=(400, 401, 404),
    ),
    ("/api/v1/models/{name}/versions", "POST"): _registry(
        "A new version from a model a run logged, bound to its digest (editors)",
        ref("ModelVersion"), MODEL, status=201,
        description="A missing registered model is created in `project` (default: the run's). "
        "Names are unique across projects: a name another project has is refused (400) "
        "without saying whose it is; choose another name.",
        body=as_json(obj(("run_id", "run_model"), run_id=STRING, run_model=STRING,
                         description=nullable(STRING), tags=STRING_MAP,
                         project=nullable(STRING)) | _OPEN),
    ),
    ("/api/v1/models/{name}/versions/{version}", "GET"): _registry(
        "A version, by number or alias", ref("ModelVersion"), MODEL,
        path("version", "A version number or an alias."), errors=(400, 401, 404),
    ),
    ("/api/v1/models/{name}/versions/{version}", "PATCH"): _registry(
        "Change a version's description, tags or status (`deprecated`, `ready`; recorded)",
        ref("ModelVersion"), MODEL, VERSION,
        body=as_json(obj((), description=nullable(STRING), tags=STRING_MAP,
                         status={"enum": ["ready", "deprecated"]}, reason=REASON) | _OPEN),
    ),
    ("/api/v1/models/{name}/aliases/{alias}", "PUT"): _registry(
        "Point an alias at a version (editors; who, when and why are recorded)",
        ref("ModelVersion"), MODEL, ALIAS,
        body=as_json(obj(("version",), version=INT64 | {"minimum": 1}, reason=REASON) | _OPEN),
    ),
    ("/api/v1/models/{name}/aliases/{alias}", "DELETE"): _registry(
        "Remove an alias (editors; recorded)", obj(deleted=STRING), MODEL, ALIAS,
        query("reason", "Why."),
    ),
    ("/api/v1/models/{name}/policies/{alias}", "PUT"): _registry(
        "Require N approving sign-offs of a version before the alias may move to it (project "
        "admins; recorded)", POLICY, MODEL, ALIAS,
        body=as_json({"type": "object", "required": ["required"], "additionalProperties": True,
                      "properties": {"required": INT64 | {"minimum": 0, "maximum": 20},
                                     "reason": REASON}}),
    ),
    ("/api/v1/models/{name}/history", "GET"): _registry(
        "A registered model's hash-chained history: every change, who, when and why",
        array(ref("RegistryEvent")), MODEL, errors=(400, 401, 404),
    ),
    ("/api/v1/models/{name}/versions/{version}/criteria", "POST"): _registry(
        "Record acceptance criteria for a version, before evaluating it (editors); a new set "
        "supersedes the last, which stays in the history", ref("CriteriaSet"), MODEL, VERSION,
        status=201,
        body=as_json(obj(("criteria",), criteria=array(ref("Criterion")), reason=REASON)
                     | _OPEN),
    ),
    ("/api/v1/criteria", "GET"): Operation(
        "evaluations", "The criteria sets of a target, newest first",
        as_json(array(ref("CriteriaSet"))),
        parameters=(query("target", "`model:NAME/VERSION` or `run:RUN_ID`."),),
    ),
    ("/api/v1/criteria/{criteria_id}", "GET"): Operation(
        "evaluations", "One criteria set", as_json(ref("CriteriaSet")),
        parameters=(path("criteria_id", "A criteria set's id (`crit_...`)."),),
    ),
    ("/api/v1/evaluations", "GET"): Operation(
        "evaluations", "Evaluations of a target, or made by a run, newest first",
        as_json(array(ref("Evaluation"))),
        parameters=(query("target", "`model:NAME/VERSION` or `run:RUN_ID`."),
                    query("run_id", "Only those this run made.")),
    ),
    ("/api/v1/evaluations/compare", "GET"): Operation(
        "evaluations", "Two evaluations side by side, metric by metric with intervals",
        as_json({"type": "object"}),
        "`clear` is true when the two intervals do not overlap.",
        (query("a", "An evaluation id."), query("b", "Another evaluation id.")),
    ),
    ("/api/v1/evaluations/{evaluation_id}", "GET"): Operation(
        "evaluations", "One evaluation: headline metrics, verdicts and limitations; the full "
        "result is the run's artifact `result_path`", as_json(ref("Evaluation")),
        parameters=(path("evaluation_id", "An evaluation's id (`eval_...`)."),),
    ),
    ("/api/v1/models/{name}/versions/{version}/annex-iv", "GET"): Operation(
        "compliance", "The version's EU AI Act Annex IV technical documentation, built from "
        "its records (manual fields empty: use `trackrecord report annex-iv --manual`)",
        {"application/json": {"type": "object"}, "text/html": STRING,
         "application/pdf": {"type": "string", "contentMediaType": "application/pdf"}},
        parameters=(MODEL, path("version", "A version number or an alias."),
                    query("format", "json (default), html or pdf.",
                          {"enum": ["json", "html", "pdf"]}),
                    query("verify", "Also verify every chain, artifact and signature behind it.",
                          BOOLEAN)),
    ),
    ("/api/v1/models/{name}/versions/{version}/retention", "GET"): Operation(
        "compliance", "Whether the version is on the market (its evidence kept until when), "
        "its legal holds, the store's log retention, and the files kept with the version "
        "(`kept`: generated documents, attachments, reference data, by SHA-256)",
        as_json({"type": "object"}),
        parameters=(MODEL, path("version", "A version number or an alias.")),
    ),
    ("/api/v1/models/{name}/versions/{version}/kept/{sha256}", "GET"): Operation(
        "compliance", "The bytes of a file kept with the version (listed under `kept` by "
        "GET .../retention)", binary(OCTETS),
        parameters=(MODEL, path("version", "A version number or an alias."),
                    path("sha256", "The file's SHA-256.", SHA256)),
    ),
    ("/api/v1/models/{name}/policies", "GET"): Operation(
        "compliance", "The aliases that need sign-offs, and how many",
        as_json({"type": "object", "additionalProperties": INTEGER}), parameters=(MODEL,),
    ),
    ("/api/v1/signatures", "GET"): Operation(
        "compliance", "The signatures on a record, each checked now (valid, or the problem)",
        as_json(array({"type": "object"})),
        parameters=(query("target", "`model:NAME/VERSION`, `evaluation:EVAL_ID` or "
                          "`run:RUN_ID`."),),
    ),
    ("/api/v1/whoami", "GET"): _admin("Who the token belongs to", ref("Whoami"), errors=(401,)),
    ("/api/v1/admin/users", "GET"): _admin("Every user (server admins)", array(ref("User"))),
    ("/api/v1/login", "POST"): Operation(
        "admin", "Sign in with a user name and password: a token valid for 30 days (the "
        "web UI's sign-in; an admin sets passwords with trackrecord admin user password)",
        as_json(obj(user=ref("UserName"), token=STRING, expires_at=INTEGER)), status=201,
        body=as_json(obj(user=STRING, password=STRING) | _OPEN), errors=(400, 401), public=True,
    ),
    ("/api/v1/admin/users", "POST"): _admin(
        "Add a user (server admins)", ref("UserCreated"), status=201,
        body=as_json(obj(("name",), name=ref("UserName"), admin=BOOLEAN) | _OPEN),
    ),
    ("/api/v1/admin/users/{name}", "DELETE"): _admin(
        "Disable a user: every token of theirs is refused (server admins)",
        obj(disabled=STRING), USER,
    ),
    ("/api/v1/admin/users/{name}/roles/{project}", "PUT"): _admin(
        "Grant a role in a project (its admins)", ref("RoleChange"), USER, PROJECT,
        body=as_json(obj(role=ref("Role")) | _OPEN),
    ),
    ("/api/v1/admin/users/{name}/roles/{project}", "DELETE"): _admin(
        "Take away a user's role in a project (its admins)", ref("RoleChange"), USER, PROJECT,
    ),
    ("/api/v1/admin/users/{name}/tokens", "POST"): _admin(
        "Make a token (for yourself, or anyone as a server admin)", ref("NewToken"), USER,
        status=201, description="The response holds the token's text, shown this once only. "
        "A token makes only tokens as narrow as itself: limited to its project, if it has one, "
        "and expiring no later (left out, `project` and `expires_in_days` are its own). A "
        "token with a server admin's powers (of an admin, limited to no project) needs a "
        "fresh sign-in: the caller's own `password`, checked and counted as a sign-in.",
        body=as_json(obj((), label=STRING, project=STRING, password=STRING,
                         expires_in_days=INT64 | {"minimum": 1}) | _OPEN),
    ),
    ("/api/v1/admin/tokens", "GET"): _admin(
        "Tokens: your own, or a user's (server admins see everyone's)", array(ref("Token")),
        query("user", "Whose tokens (another user's: server admins only)."),
    ),
    ("/api/v1/admin/tokens/{token_id}", "DELETE"): _admin(
        "Revoke a token (yours, or anyone's as a server admin)", obj(revoked=STRING), TOKEN_ID,
    ),
    ("/api/v1/admin/audit", "GET"): _admin(
        "The audit log: one entry per mutating request (server admins)", ref("AuditPage"),
        query("since", "Only entries after this seq.", INT64),
        query("limit", "At most this many entries (at most 10000).", INT64),
    ),
    ("/api/v1/admin/audit/verify", "GET"): _admin(
        "Check the audit log's hash chain (server admins)",
        obj(ok=BOOLEAN, problems=array(STRING)),
    ),
}
# fmt: on

TAGS: Final = {
    "probes": "Liveness and readiness (no token needed).",
    "docs": "This document and its interactive page.",
    "runs": "Projects and runs.",
    "events": "A run's append-only, hash-chained events.",
    "metrics": "Metric series.",
    "artifacts": "Files, content-addressed by SHA-256.",
    "admin": "Who am I, users, project roles, tokens and the audit log (auth on only).",
    "datasets": "Dataset versions (content digests) and the runs that used them.",
    "registry": "Logged models, registered models, versions and aliases.",
    "lineage": "The graph from dataset versions through runs to model versions.",
    "evaluations": "Acceptance criteria, evaluations on reference data, and comparisons.",
    "compliance": "Annex IV documentation, sign-offs, policies and retention of a version.",
}


def schemas() -> dict[str, Schema]:
    """``components.schemas``: records derived from their dataclasses, and the small ones."""
    nonfinite = obj(**{"$float": {"enum": ["nan", "inf", "-inf"]}})
    role = ref("Role")
    return {
        "Float": {"anyOf": [{"type": "number"}, nonfinite],
                  "description": 'A number; NaN and ±inf are tagged: `{"$float": "nan"}`.'},
        "RunId": {"type": "string", "minLength": 1,
                  "description": "26 characters of Crockford base32, sorting by time."},
        "UserName": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._@-]{0,63}$"},
        "Role": {"enum": list(ROLES)},
        "Error": obj(error=obj(code={"enum": sorted({c for _, c, _ in wire.ERRORS})},
                               message=STRING)),
        "Health": obj(status={"const": "ok"}),
        "Ready": obj(("status",), status={"enum": ["ready", "unavailable"]}, auth=BOOLEAN,
                     reason=STRING),
        "Appended": obj(head_seq=INTEGER),
        "Uploaded": obj(sha256=SHA256, size=INTEGER),
        "RunPage": obj(runs=array(ref("Run")), next_cursor=nullable(STRING)),
        "Project": schema_of(ProjectRecord),
        "Run": schema_of(RunRecord, status={"enum": list(RUN_STATUSES)}),
        "MetricSummary": schema_of(MetricSummary),
        "Artifact": schema_of(ArtifactRecord),
        "Buckets": schema_of(Buckets, time_end=array(INTEGER),
                             time_first={"type": ["integer", "null"]})
        | {"required": [f.name for f in dataclasses.fields(Buckets)]},
        "Whoami": obj(user=STRING, is_admin=BOOLEAN, token=nullable(STRING),
                      roles={"type": "object", "additionalProperties": role},
                      token_project=nullable(STRING), token_expires_at=nullable(INTEGER)),
        "User": schema_of(UserRecord),
        "UserCreated": obj(name=STRING, is_admin=BOOLEAN),
        "RoleChange": obj(user=STRING, project=STRING, role=nullable(role)),
        "Token": schema_of(TokenRecord, state={"enum": ["active", "expired", "revoked"]}),
        "NewToken": schema_of(TokenRecord, token=STRING),
        "AuditPage": obj(entries=array(schema_of(AuditEntry))),
        "DatasetName": schema_of(DatasetName),
        "DatasetVersion": schema_of(DatasetVersion),
        "DatasetUse": schema_of(DatasetUse),
        "LoggedModel": schema_of(LoggedModel),
        "RegisteredModel": schema_of(RegisteredModel),
        "ModelVersion": schema_of(ModelVersion, status={"enum": list(VERSION_STATUSES)}),
        "Criterion": obj(("metric", "op", "threshold"), metric=STRING,
                         op={"enum": [">=", ">", "<=", "<"]}, threshold={"type": "number"},
                         confidence={"type": "number"}, group=nullable(STRING)),
        "CriteriaSet": schema_of(CriteriaSet),
        "Evaluation": schema_of(EvaluationRecord),
        "RegistryEvent": obj(seq=INTEGER, type=STRING, time=INTEGER, prev=SHA256, hash=SHA256,
                             body={"type": "object"}),
        "LineageGraph": obj(
            root=STRING, direction=STRING, depth=INTEGER,
            nodes=array(obj(id=STRING, kind={"enum": list(NODE_KINDS)}, label=STRING,
                            attrs={"type": "object"})),
            edges=array(obj(source=STRING, target=STRING, kind=STRING)),
        ),
        "UploadOffer": {"anyOf": [
            obj(url={"type": "null"}),
            obj(method=STRING, url=STRING, expires_in=INTEGER, receipt=STRING,
                headers={"type": "object", "additionalProperties": STRING}),
        ]},
    }  # fmt: skip


def schema_of(record: type, **extra: Schema) -> Schema:
    """The JSON schema of a dataclass as ``dataclasses.asdict`` sends it, plus *extra* fields.

    Example:
        >>> schema_of(ProjectRecord)["properties"]["run_count"]
        {'type': 'integer'}
    """
    hints = typing.get_type_hints(record)
    fields = {f.name: _hint_schema(hints[f.name]) for f in dataclasses.fields(record)}
    return obj(**(fields | extra))


def _hint_schema(hint: Any) -> Schema:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_hint_schema(a) for a in args]}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin is list:
        return array(_hint_schema(args[0]))
    if origin in (dict, Mapping):
        return {"type": "object", "additionalProperties": _hint_schema(args[1])}
    if origin is np.ndarray:
        dtype = typing.get_args(args[1])[0]
        return array(_hint_schema(int if np.issubdtype(dtype, np.integer) else float))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return ref(hint.__name__)
    scalars: dict[Any, Schema] = {str: STRING, int: INTEGER, bool: BOOLEAN, Any: {},
                                  float: ref("Float"), type(None): {"type": "null"}}  # fmt: skip
    return scalars[hint]


def _responses(op: Operation) -> dict[str, Any]:
    content = {media: {"schema": schema} for media, schema in op.ok.items()}
    answers: dict[str, Any] = {str(op.status): {"description": op.summary, "content": content}}
    for status in op.errors:
        if status == 503 and op.public:  # the readiness probe reports in its own shape
            answers[str(status)] = {"description": "Not ready", "content": content}
        else:
            answers[str(status)] = {"$ref": f"#/components/responses/{status}"}
    if not op.public or (op.errors and 503 not in op.errors):
        answers["default"] = {"$ref": "#/components/responses/default"}
    return answers | dict(op.more)


def _operation(route: str, method: str, op: Operation) -> dict[str, Any]:
    found: dict[str, Any] = {
        "operationId": re.sub(r"\W+", "_", f"{method} {route}".lower()).strip("_"),
        "tags": [op.tag],
        "summary": op.summary,
        "responses": _responses(op),
    }
    if op.description:
        found["description"] = op.description
    if op.parameters:
        found["parameters"] = list(op.parameters)
    if op.body is not None:
        content = {media: {"schema": schema} for media, schema in op.body.items()}
        found["requestBody"] = {"required": True, "content": content}
    if op.public:
        found["security"] = []
    return found


def _error_responses() -> dict[str, Any]:
    """One response per error status, naming its codes (from :data:`wire.ERRORS`)."""
    codes: dict[str, list[str]] = {}
    for _, code, status in wire.ERRORS:
        codes.setdefault(str(status), []).append(code)
    codes["default"] = ["any other"]
    error = as_json({"schema": ref("Error")})
    return {status: {"description": f"Error code {' or '.join(names)}", "content": error}
            for status, names in codes.items()}  # fmt: skip


@cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every operation in :data:`OPERATIONS` (treat as read-only)."""
    from trackrecord import __version__

    paths: dict[str, dict[str, Any]] = {}
    for (route, method), op in OPERATIONS.items():
        paths.setdefault(route, {})[method.lower()] = _operation(route, method, op)
    bearer = {"type": "http", "scheme": "bearer", "description": _TOKENS}
    return {
        "openapi": "3.1.0",
        "info": {"title": "TrackRecord", "version": __version__, "description": _ABOUT},
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "responses": _error_responses(),
            "securitySchemes": {"bearer": bearer},
        },
        "security": [{"bearer": []}],
    }


_ABOUT: Final = (
    "The HTTP API of a TrackRecord server, version 1 (`/api/v1`). Every error has one shape, "
    '`{"error": {"code": ..., "message": ...}}`; JSON carries NaN and ±inf tagged as '
    '`{"$float": "nan"}`; every response carries an `X-Request-ID` header (the request\'s, '
    "when it sent a valid one)."
)
_TOKENS: Final = (
    "A token made with `trackrecord admin token create USER`. A server without users has auth "
    "off: it listens on localhost only, ignores tokens, answers only to loopback Host names, "
    "and takes writes (any method but GET, HEAD, OPTIONS) only with an `X-TrackRecord-Client` "
    "header (any value) and a body that is not a form's or `text/plain`, so that other web "
    "pages cannot write to it."
)


def served(routes: Iterable[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """The (OpenAPI path, method) pairs that *routes* serve (HEAD comes with GET)."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= served(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            openapi_path = re.sub(r"{(\w+):\w+}", r"{\1}", prefix + route.path)
            found |= {(openapi_path, m) for m in route.methods or ("GET",) if m != "HEAD"}
    return found

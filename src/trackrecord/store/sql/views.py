"""Which table is what: the registry of view derivations, checked against the live schema.

Every table of a SQL store is one of:

- a **chain** (:data:`CHAIN_TABLES`): hash-chained events, checked by recomputing hashes;
- a **view** (:data:`VIEWS`): rows derived from one kind of chain by the same function
  the writer uses (``run``: :func:`~trackrecord.store.sql.apply.derive_run_event`;
  ``registry``: :func:`~trackrecord.store.sql.registry_views.apply_registry_event`;
  ``ledger``: :func:`~trackrecord.store.sql.ledger_views.apply_ledger_event`; ``store``:
  the projects every chain names). Verification replays the chain into an empty database
  and compares every row and every column (see :mod:`~trackrecord.store.sql.rebuild`);
- **unread** (:data:`UNREAD`): kept for the machinery, read by no reader of the record,
  each with the reason;
- the **transparency log** (:data:`LOG_TABLES`): chain heads in a Merkle log and the
  store's signed checkpoints, checked against themselves and every chain by
  :func:`~trackrecord.compliance.verify_log.log_problems` (what that check cannot see is
  listed, with the reason, in :data:`LOG_UNCHECKED`).

A table in none of them is a bug: :func:`unclassified` names it, and the mutation tests
fail on it. A view's :attr:`View.owner` column says which chain a row belongs to, so one
chain's views are rebuilt alone (verifying a run rebuilds only that run's rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from trackrecord.store.sql.ledger import commitment

__all__ = [
    "CHAIN_TABLES",
    "LOG_TABLES",
    "LOG_UNCHECKED",
    "UNREAD",
    "VIEWS",
    "Compare",
    "View",
    "ViewChain",
    "unclassified",
    "views_of",
]

ViewChain = Literal["run", "registry", "ledger", "store"]


@dataclass(frozen=True)
class Compare:
    """How a column is compared when not as stored, and why.

    ``sql``: an expression both databases compute in its place (the project's name for a
    project id); ``stored``: a function of the stored value that must equal the derived
    value (the commitment to a secret); ``both``: a function of either side by which two
    values that differ as stored may still be equal (decoded points, whose compressed
    bytes may differ between zlib versions); it runs only when they differ.
    """

    reason: str
    sql: str | None = None
    stored: Callable[[Any], Any] | None = None
    both: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class View:
    """A table derived from chains of kind *chain*, its rows identified by *key*.

    *owner* is the column naming the chain a row belongs to (None: the table is one
    chain's, or the store's, as a whole); with ``owner_is_name`` it holds a registered
    model's name rather than the chain id ``registry:NAME``.
    """

    table: str
    chain: ViewChain
    key: tuple[str, ...]
    owner: str | None = None
    owner_is_name: bool = False
    compared: Mapping[str, Compare] = field(default_factory=dict)


def _secret(value: Any) -> Any:
    return None if value is None else commitment(str(value))


def _points(value: Any) -> Any:
    """The points a chunk's blob holds, as their digest (or why they cannot be read)."""
    from trackrecord.record.events import points_digest
    from trackrecord.store.codec import decode_points

    try:
        return "points " + points_digest(*decode_points(bytes(value)))
    except Exception as exc:  # a damaged blob is a difference to report, never a crash
        return f"unreadable points ({exc})"


def _json(value: Any) -> Any:
    """A JSON text as its canonical form (or why it is no JSON)."""
    from trackrecord.record.events import canonical_json, decode_json

    try:
        return canonical_json(decode_json(value)).decode()
    except Exception as exc:  # a damaged value is a difference to report, never a crash
        return f"not JSON ({exc})"


_PROJECT: Final = Compare(
    "runs name their project by id; compared by the project's name (ids are local)",
    sql="(SELECT p.name FROM projects p WHERE p.id = runs.project_id)",
)
_SECRET: Final = Compare(
    "a secret's hash is not chained: the ledger commits to its SHA-256", stored=_secret
)

VIEWS: Final[tuple[View, ...]] = (
    View("runs", "run", ("id",), "id", compared={"project_id": _PROJECT, "error": Compare(
        "compared as JSON: stores before schema 7 kept its keys in the order logged",
        both=_json)}),
    View("params", "run", ("run_id", "key"), "run_id"),
    View("tags", "run", ("run_id", "key"), "run_id"),
    View("metric_summaries", "run", ("run_id", "key"), "run_id"),
    View("metric_chunks", "run", ("run_id", "key", "first_index"), "run_id", compared={
        "points": Compare("compared as the points they decode to", both=_points)}),
    View("artifacts", "run", ("run_id", "path"), "run_id"),
    View("run_datasets", "run", ("run_id", "name", "digest", "role", "direction"), "run_id"),
    View("logged_models", "run", ("run_id", "name"), "run_id"),
    View("evaluations", "run", ("id",), "run_id"),
    View("criteria_sets", "run", ("id",), "chain"),
    View("registered_models", "registry", ("name",), "name", owner_is_name=True),
    View("model_versions", "registry", ("model", "version"), "model", owner_is_name=True),
    View("model_aliases", "registry", ("model", "alias"), "model", owner_is_name=True),
    View("signoff_policies", "registry", ("model", "alias"), "model", owner_is_name=True),
    View("market_placements", "registry", ("model", "version"), "model", owner_is_name=True),
    View("criteria_sets", "registry", ("id",), "chain"),
    View("users", "ledger", ("name",), compared={"password_hash": _SECRET}),
    View("project_roles", "ledger", ("user_name", "project")),
    View("tokens", "ledger", ("id",), compared={"secret_hash": _SECRET}),
    View("signing_keys", "ledger", ("id",)),
    View("signatures", "ledger", ("id",)),
    View("legal_holds", "ledger", ("id",)),
    View("store_settings", "ledger", ("key",)),
    View("artifact_grants", "ledger", ("sha256", "project")),
    View("dataset_versions", "ledger", ("project", "name", "digest")),
    View("projects", "store", ("name",), compared={"id": Compare(
        "a local surrogate key: runs name their project through it and are compared by the "
        "project's name", sql="0")}),
)  # fmt: skip
"""Every view, with how its rows are told apart and compared."""

CHAIN_TABLES: Final[Mapping[str, str]] = {
    "events": "the events of every run (each run's chain)",
    "registry_events": "the events of every registered model (a chain per model)",
    "ledger_events": "the store's ledger (one chain)",
    "audit_log": "the audit log (one chain)",
}
"""Tables that are chains: verified by recomputing their hashes and links."""

UNREAD: Final[Mapping[str, str]] = {
    "schema_migrations": "which migrations ran and when: read only when the database is "
    "opened, to know which to run; no reader of the record uses it",
    "sign_in_failures": "counts of failed sign-ins for the lockout: each ends within 15 "
    "minutes and no reader shows them; a changed count only changes how soon a name or an "
    "address may try again",
}
"""Tables no reader of the record uses, with why they need no derivation."""


LOG_TABLES: Final[Mapping[str, str]] = {
    "store_meta": "the store's id, the origin its checkpoints are signed for",
    "log_pending": "chain heads not yet appended to the log: each must be its chain's last event",
    "log_leaves": "the log's leaves (chain heads), numbered without gaps; each chain must "
    "still hold the last head logged for it",
    "log_nodes": "the Merkle tree's node hashes: recomputed from the leaves",
    "log_checkpoints": "the checkpoints the store signed: each the root of the log at its "
    "size, signed by the store's key",
}
"""Tables of the transparency log, checked by the log check rather than rebuilt."""

LOG_UNCHECKED: Final[Mapping[tuple[str, str], str]] = {
    ("log_checkpoints", "delete"): "a stored checkpoint is the store's own copy, for "
    "convenience: deleting one loses no fact (the log it signed is still checked), and the "
    "checkpoints that protect a store are those kept outside it (`trackrecord checkpoint "
    "--out`), which `verify --checkpoint` checks",
}
"""Changes to log tables (table, edit/delete/insert) the log check cannot see, and why."""


def views_of(chain: ViewChain) -> list[View]:
    """The views derived from chains of kind *chain*."""
    return [view for view in VIEWS if view.chain == chain]


def unclassified(tables: Iterable[str]) -> list[str]:
    """Those of *tables* that are no chain, no view, no log table and not listed as unread."""
    known = {view.table for view in VIEWS} | set(CHAIN_TABLES) | set(UNREAD) | set(LOG_TABLES)
    return sorted(set(tables) - known)

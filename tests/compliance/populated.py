"""A store with a little of everything a reader sees, built through the store's own API.

Runs (params, tags, notes, a rename, an environment with a git commit, metrics in many
events so chunks merge and carry levels of detail, an artifact, a dataset, a logged
model, a child run, a deleted run, a purged run), datasets, the registry (a model with
two versions, criteria, an evaluation run, aliases, a policy, a deprecation, a market
placement, kept documents), sign-offs, keys (one revoked), legal holds (one released),
the log retention, artifact grants, server accounts (users, roles, tokens, a password,
a disabled user), audit entries, and a signed checkpoint of the transparency log with
an audit entry written after it (a head still pending). Works on SQLite and PostgreSQL
stores alike.
"""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.store.conftest import Chain, pts
from trackrecord.data.digest import FileEntry, manifest_digest
from trackrecord.errors import AuthenticationError
from trackrecord.signing.keys import generate_key
from trackrecord.signing.signatures import sign
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts
from trackrecord.store.sql.audit import SqlAuditLog
from trackrecord.store.sql.evidence import SqlEvidence
from trackrecord.store.sql.retention import SqlRetention
from trackrecord.store.sql.signoffs import SqlSignoffs
from trackrecord.transparency.keys import store_checkpoint_key

__all__ = ["Populated", "populate"]

_FAR_FUTURE = 4_000_000_000_000  # ms: past every retention period, for the purge


@dataclass(frozen=True)
class Populated:
    """Ids of what :func:`populate` recorded."""

    train: str
    evaluation: str
    child: str
    checkpoint_key: str
    """The public key (base64) the store's checkpoints are signed with."""


def _put(store: SqlStore, text: str, project: str | None = None) -> tuple[str, int]:
    return store.put_artifact(io.BytesIO(text.encode()), project)


def _train(store: SqlStore, parent: str | None = None) -> Chain:
    chain = Chain("credit", config={"lr": 0.1, "layers": [2, 3], "opt": {"name": "adam"}},
                  tags={"team": "risk"}, user="ada", host="box", group="g1", notes="first",
                  **({"parent": parent} if parent else {}))  # fmt: skip
    chain.add("environment", {"git": {"commit": "a" * 40, "branch": "main"}})
    chain.add("params", {"params": {"epochs": 3, "nan": float("nan"), "flag": True}})
    chain.add("tags", {"tags": {"stage": "dev"}})
    steps = np.arange(300)
    chain.metrics(loss=(steps, 1.0 / (steps + 1)), acc=(steps, steps / 300.0))
    for i in range(9):  # small batches: merged into one chunk
        chain.metrics(loss=([300 + i], [0.001]), acc=([300 + i], [float("nan") if i == 4 else 0.9]))
    digest, size = _put(store, "the report")
    chain.add("artifact", {"files": [{"path": "report.txt", "sha256": digest, "size": size,
                                      "media_type": "text/plain"}]})  # fmt: skip
    chain.add("dataset", {"name": "train", "role": "train", "direction": "input",
                          "digest": "d" * 64, "kind": "file", "version": "v1", "rows": 200,
                          "uri": "file:///data/train.csv", "schema": [{"name": "x"}],
                          "sources": [{"uri": "s3://b/k"}]})  # fmt: skip
    weights, size = _put(store, "model bytes")
    chain.add("model", {"name": "clf", "flavor": "sklearn", "format": "pickle", "path": "model",
                        "digest": manifest_digest([FileEntry("model.pkl", weights, size)]),
                        "files": [{"path": "model.pkl", "sha256": weights, "size": size}],
                        "meta": {"class": "LR"}})  # fmt: skip
    chain.add("notes", {"text": "second thoughts"})
    chain.add("run.rename", {"name": "credit-train"})
    chain.add("run.end", {"status": "finished"})
    store.append_events(chain.events)
    return chain


def _evaluate(store: SqlStore, criteria_id: str) -> Chain:
    chain = Chain("credit", user="eve")
    chain.time = time.time_ns() // 1_000_000 + 1000  # after the model criteria were set
    chain.add("dataset", {"name": "reference", "role": "test", "direction": "input",
                          "digest": "e" * 64, "kind": "frame"})  # fmt: skip
    chain.add("criteria", {"id": "crit_" + "1" * 20, "criteria": [
        {"metric": "accuracy", "op": ">=", "threshold": 0.5}]})  # fmt: skip
    result, _ = _put(store, '{"accuracy": 0.7}')
    chain.add("evaluation", {
        "id": "eval_" + "2" * 20, "started_at": chain.time, "task": "binary", "n": 100,
        "status": "fail", "metrics": {"accuracy": {"value": 0.7}, "roc_auc": {"value": 0.61}},
        "verdicts": [{"metric": "accuracy", "passed": False}], "limitations": ["small"],
        "result": {"path": "result.json", "sha256": result}, "target": "model:credit/1",
        "dataset": {"name": "reference", "digest": "e" * 64}, "criteria": {"id": criteria_id},
    })  # fmt: skip
    chain.add("run.end", {"status": "finished"})
    store.append_events(chain.events)
    return chain


def _registry(store: SqlStore, train: Chain) -> str:
    catalog = store.catalog
    catalog.create_version("credit", train.run_id, "clf", "ada", description="v1", tags={"a": "1"})
    catalog.create_version("credit", train.run_id, "clf", "ada")
    catalog.update_model("credit", "ada", description="credit risk", tags={"domain": "loans"})
    catalog.update_version("credit", 1, "ada", tags={"checked": "yes"})
    catalog.update_version("credit", 2, "ada", status="deprecated", reason="superseded")
    criteria = catalog.set_criteria(
        "credit", 1, [{"metric": "accuracy", "op": ">=", "threshold": 0.8}], "ada", "agreed"
    )
    catalog.set_alias("credit", "staging", 1, "ada", "try it")
    catalog.set_alias("credit", "old", 1, "ada")
    catalog.delete_alias("credit", "old", "ada", "no longer")
    return criteria.id


def _signoffs(store: SqlStore, keys: Path, evaluation: Chain) -> None:
    signoffs = SqlSignoffs(store.database)
    bob, old = generate_key(keys), generate_key(keys)
    signoffs.register_key("bob", bob.public_key)
    signoffs.register_key("carl", old.public_key)
    signoffs.revoke_key(old.id)
    store.catalog.set_signoff_policy("credit", "production", 1, "ada", "one approval")
    sign(store, "models:/credit/1", bob.id, "approve", keys)
    sign(store, f"run:{evaluation.run_id}", bob.id, "review", keys)
    store.catalog.set_alias("credit", "production", 1, "ada", "approved")


def _retention(store: SqlStore, train: Chain) -> None:
    keeper = SqlRetention(store)
    keeper.set_log_retention("1y")
    keeper.place_on_market("credit", 1, "ada", placed_at=1_700_000_000_000)
    released = keeper.hold(f"run:{train.run_id}", "case 1", "ada")
    keeper.release(released.id, "ada", "closed")
    keeper.hold("model:credit/1", "case 2", "ada")
    document, size = _put(store, '{"built_from": {"evaluations": [], "runs": []}}')
    SqlEvidence(store).keep(
        "credit",
        1,
        "documents",
        [{"path": "annex-iv.json", "sha256": document, "size": size, "role": "document"}],
        "ada",
    )


def _accounts(store: SqlStore) -> None:
    accounts = SqlAccounts(store.database)
    accounts.create_user("root", admin=True)
    accounts.create_user("alice")
    accounts.create_user("mallory")
    accounts.set_admin("alice", True)
    accounts.set_password("alice", "correct horse battery")
    accounts.grant("alice", "credit", "editor")
    accounts.grant("mallory", "credit", "viewer")
    accounts.grant("mallory", "other", "editor")
    accounts.revoke_role("mallory", "other")
    accounts.create_token("alice", "laptop", project="credit")
    token, _ = accounts.create_token("mallory", "old")
    accounts.revoke_token(token.id)
    accounts.disable_user("mallory")
    with contextlib.suppress(AuthenticationError):  # counted in sign_in_failures
        accounts.check_sign_in("alice", "wrong", "192.0.2.7")
    audit = SqlAuditLog(store.database)
    for action in ("users.create", "roles.grant", "tokens.create"):
        audit.append("root", action, "alice", "127.0.0.1", 200)


def _purged(store: SqlStore) -> None:
    gone = Chain("scratch")
    gone.add("metrics", {}, {"x": pts([0, 1], [1.0, 2.0])})
    gone.add("run.end", {"status": "finished"})
    gone.add("run.delete", {})
    store.append_events(gone.events)
    SqlRetention(store).purge(gone.run_id, now=_FAR_FUTURE)


def populate(store: SqlStore, keys: Path) -> Populated:
    """Record everything listed in the module docstring in *store* (private keys go to
    *keys*)."""
    train = _train(store)
    child = Chain("credit", parent=train.run_id)
    child.add("run.end", {"status": "failed", "error": {"type": "ValueError"}})
    child.add("run.delete", {})
    store.append_events(child.events)
    criteria_id = _registry(store, train)
    evaluation = _evaluate(store, criteria_id)
    _signoffs(store, keys, evaluation)
    _retention(store, train)
    store.grants.grant("credit", [_put(store, "uploaded")[0]])
    _accounts(store)
    _purged(store)
    key = store_checkpoint_key(store.log.store_id(), keys / "checkpoint-keys")
    store.log.checkpoint(key)
    # written after the checkpoint, not appended to the log yet: a pending head
    SqlAuditLog(store.database).append("root", "users.disable", "mallory", "127.0.0.1", 200)
    return Populated(train.run_id, evaluation.run_id, child.run_id, key.public_key)

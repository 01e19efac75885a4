"""Verifying a run's record: recompute the hash chain and rebuild the views from it.

``verify`` walks a run's events in order and checks, for each, that its
``seq`` follows the previous one, that its ``prev`` is the previous event's
hash, and that its hash matches its content (metric points included, read
back from the stored chunks). Then it rebuilds every view the run's events derive
(the run's row, params, tags, metric summaries and chunks with their levels of detail,
artifacts, dataset uses, logged models, evaluations, criteria) with the writer's own
derivation in an empty database, compares them row by row and column by column with
the stored ones (see :mod:`trackrecord.store.sql.rebuild`), and checks that each
artifact's stored bytes still hash to its digest. Each difference is a
:class:`~trackrecord.store.problems.Problem` naming the table, the row, the column, the
stored and the expected value. A store reached through a server is compared through the
store's API instead (what its run record and artifact list say).

Example:
    >>> result = verify_run(store, run_id)  # doctest: +SKIP
    >>> bool(result), result.events        # doctest: +SKIP
    (True, 42)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trackrecord.artifacts.base import file_sha256
from trackrecord.errors import NotFoundError, TrackRecordError
from trackrecord.record.chains import check_chain
from trackrecord.record.events import Event, canonical_json
from trackrecord.store.base import Store
from trackrecord.store.problems import Problem

if TYPE_CHECKING:
    from trackrecord.store.sql.rebuild import Rebuild

__all__ = ["Problem", "VerifyResult", "chain_problems", "verify_run", "verify_with"]


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify_run`; true when the record is intact.

    ``problems`` lists every difference found (see :class:`Problem`); ``problem`` says
    the first in a sentence, and ``bad_seq`` is the first event whose chain link or hash
    is broken, if one is.
    """

    run_id: str
    ok: bool
    events: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None
    problems: tuple[Problem, ...] = ()

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"OK: run {self.run_id}, {self.events} events, chain head {self.head_hash}"
        where = f" at event {self.bad_seq}" if self.bad_seq is not None else ""
        lines = [f"FAILED: run {self.run_id}{where}: {self.problem}"]
        lines += [f"  {problem}" for problem in self.problems[1:]]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"run_id": self.run_id, "ok": self.ok, "events": self.events,
                "head": self.head_hash, "bad_seq": self.bad_seq, "problem": self.problem,
                "problems": [p.to_dict() for p in self.problems]}  # fmt: skip


def chain_problems(chain: str, table: str, events: list[Event]) -> list[Problem]:
    """The first broken link of a chain of events kept in *table*, as a problem."""
    seq, problem = check_chain(events)
    if seq is None:
        return []
    found = next((e for e in events if e.seq == seq), None)
    return [Problem(chain, table, (("chain", chain), ("seq", seq)), "hash",
                    None if found is None else found.hash,
                    None if found is None else found.expected_hash(), "chain",
                    f"event {seq}: {problem}")]  # fmt: skip


def _artifact_problems(chain: str, events: Iterable[Event], store: Store) -> list[Problem]:
    """Each artifact the events record whose stored bytes are missing or altered."""
    files: dict[str, str] = {}
    for event in events:
        if event.type == "artifact":
            files.update({f["path"]: f["sha256"] for f in event.body.get("files", [])})
    problems = []
    for path, sha256 in sorted(files.items()):
        try:
            with store.open_artifact(sha256) as handle:
                actual: str | None = file_sha256(handle)[0]
        except NotFoundError:
            actual = None
        if actual != sha256:
            said = "is missing from the artifact store" if actual is None else "was altered"
            detail = f"the content of {path!r} {said}"
            key = (("path", path),)
            problems.append(Problem(chain, "artifacts", key, "sha256", actual, sha256, "content",
                                    detail))  # fmt: skip
    return problems


def _api_problems(store: Store, run_id: str, events: list[Event]) -> list[Problem]:
    """For a store without a database of its own here (a server's): what its API says of
    the run, against what a scratch store derives from the same events."""
    from trackrecord.artifacts.local import LocalArtifactStore
    from trackrecord.store.sql.rebuild import ScratchDatabase
    from trackrecord.store.sql.store import SqlStore

    scratch = SqlStore(ScratchDatabase(), LocalArtifactStore("/nonexistent"))
    chain = f"run:{run_id}"
    try:
        scratch.append_events(events)
    except TrackRecordError as exc:
        scratch.close()
        return [Problem(chain, "events", (), None, None, None, "replay", str(exc))]
    want, have = (
        dataclasses.asdict(scratch.get_run(run_id)),
        dataclasses.asdict(store.get_run(run_id)),
    )
    problems = [
        Problem(chain, "runs", (("id", run_id),), field, have.get(field), want[field], "differs")
        for field in want
        if canonical_json(have.get(field)) != canonical_json(want[field])
    ]
    listed = {a.path: a.sha256 for a in store.list_artifacts(run_id)}
    derived = {a.path: a.sha256 for a in scratch.list_artifacts(run_id)}
    if listed != derived:
        problems.append(Problem(chain, "artifacts", (("run_id", run_id),), "sha256", listed,
                                derived, "differs"))  # fmt: skip
    scratch.close()
    return problems


def verify_run(store: Store, run_id: str, artifacts: bool = True) -> VerifyResult:
    """Recompute a run's chain, rebuild its views and compare; never raises for a damaged
    record (only NotFoundError for a run the store has neither a row nor events of)."""
    rebuild = _rebuild_for(store)
    try:
        return verify_with(store, run_id, artifacts, rebuild)
    finally:
        if rebuild is not None:
            rebuild.close()


def _rebuild_for(store: Store) -> Rebuild | None:
    database = getattr(store, "database", None)
    if database is None:
        return None
    from trackrecord.store.sql.rebuild import Rebuild

    return Rebuild(database)


def verify_with(
    store: Store, run_id: str, artifacts: bool, rebuild: Rebuild | None
) -> VerifyResult:
    """:func:`verify_run` with a :class:`~trackrecord.store.sql.rebuild.Rebuild` to reuse
    (None for a store without a database here)."""
    chain = f"run:{run_id}"
    try:  # a store with a database here: its events as stored, with or without the run's row
        events = list(getattr(store, "chain_events", store.read_events)(run_id))
    except NotFoundError:
        raise
    except Exception as exc:  # a damaged record must be reported, not raised
        problem = Problem(chain, "events", (), None, None, None, "unreadable",
                          f"cannot read events: {exc}")  # fmt: skip
        return VerifyResult(run_id, False, 0, "", None, problem.detail, (problem,))
    problems = chain_problems(chain, "events", events)
    bad_seq = dict(problems[0].key).get("seq") if problems else None
    if not problems:
        if rebuild is not None:
            problems = rebuild.run(run_id, events)
        else:
            problems = _api_problems(store, run_id, events)
        if artifacts:
            problems += _artifact_problems(chain, events, store)
    if not events and not problems:
        raise NotFoundError(f"no run with id {run_id!r}")
    first = None
    if problems:
        first = (
            problems[0].detail.split(": ", 1)[-1]
            if problems[0].kind == "chain"
            else str(problems[0])
        )
        if len(problems) > 1:
            first += f" (and {len(problems) - 1} more)"
    head = events[-1].hash if events else ""
    return VerifyResult(run_id, not problems, len(events), head, bad_seq, first, tuple(problems))

"""Garbage collection of artifact contents that no run refers to.

Artifact contents are stored once per SHA-256 and shared by every run that
logs the same bytes. A content is *referenced* while any run's ``artifact``
event names its digest: live, finished or soft-deleted runs alike (a deleted
run stays restorable), and older contents of a path that a run logged again
included (the run's record still names them, and ``verify`` re-hashes them).
Events still in the spool of a live run count too. So do the files kept with a model
version (its generated documents, their attachments, its reference data: see
:mod:`trackrecord.store.sql.evidence`): a registry event names them, and they are kept
for as long as the record, the plan saying which version and which retention holds each.

Only contents stored more than *min_age* seconds ago are candidates: a run
stores an artifact's bytes a moment before its ``artifact`` event reaches the
store, and a content stored again (re-referenced) after the plan was made is
spared at removal time.

Example:
    >>> plan = plan_gc(api)  # doctest: +SKIP
    >>> plan.count, plan.bytes  # doctest: +SKIP
    (3, 1048576)
    >>> collect(api, plan)  # doctest: +SKIP
    1048576
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.fallback import fallback_roots
from trackrecord.record.events import Event
from trackrecord.spool import read_spool, run_directories

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.artifacts.base import ArtifactStore

__all__ = [
    "DEFAULT_MIN_AGE",
    "GcPlan",
    "collect",
    "kept_digests",
    "plan_gc",
    "referenced_digests",
]

DEFAULT_MIN_AGE: Final = 3600.0
"""Seconds a content (or a staging file) must have been left alone to be removable."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class GcPlan:
    """What :func:`collect` would remove.

    Attributes:
        unreferenced: digest -> size of each content no run refers to.
        runs: how many runs were read (deleted ones included).
        referenced: how many distinct digests the runs refer to.
        stale_staging: (name, size) of files left in the staging area by
            processes that died while storing content.
        stored_before: the Unix time (seconds) before which a content must have
            been stored to be removed; later ones are spared.
        spared: how many unreferenced contents are spared for being stored
            after *stored_before*.
        kept: digest -> why, for each content no run refers to that is kept with a
            model version (its documents or data), naming the retention that holds it.
    """

    unreferenced: dict[str, int]
    runs: int
    referenced: int
    stale_staging: list[tuple[str, int]]
    stored_before: float
    spared: int = 0
    kept: dict[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many contents would be removed."""
        return len(self.unreferenced)

    @property
    def bytes(self) -> int:
        """Bytes the unreferenced contents and stale staging files take."""
        return sum(self.unreferenced.values()) + sum(size for _, size in self.stale_staging)


def _artifact_digests(events: Iterable[Event]) -> Iterable[str]:
    for event in events:
        if event.type == "artifact":
            yield from (str(f["sha256"]) for f in event.body.get("files", ()))


def referenced_digests(api: Api, progress: Progress | None = None) -> tuple[set[str], int]:
    """Every digest a run's ``artifact`` event names, and the number of runs read.

    Reads every run (deleted ones too) and the spools of live runs, whose
    newest events may not be in the store yet (also those moved to the store's
    fallback directory, see :mod:`trackrecord.fallback`). *progress* is called with each
    run id as it is read.
    """
    found: set[str] = set()
    runs = 0
    for deleted in (False, True):
        for run in api.iter_runs(deleted=deleted):
            found.update(_artifact_digests(api.store.read_events(run.id, types=("artifact",))))
            runs += 1
            if progress is not None:
                progress(run.id)
    for root in [*fallback_roots(api.root), api.root]:  # spools moved aside name bytes too
        for directory in run_directories(root / "spool"):
            found.update(_artifact_digests(read_spool(directory)))
    return found, runs


def kept_digests(api: Api, now: int | None = None) -> dict[str, str]:
    """Each digest kept with a model version, and why: the file, the version, and what
    retains the version at *now* (Unix ms; default the clock), e.g. ``"annex-iv.pdf kept
    with credit v1, on the market (until 2036-12-01)"``. Empty for a store that is not SQL."""
    from trackrecord.store.sql import SqlStore
    from trackrecord.store.sql.evidence import SqlEvidence
    from trackrecord.store.sql.retention import SqlRetention

    if not isinstance(api.store, SqlStore):
        return {}
    keeper = SqlRetention(api.store)
    found: dict[str, str] = {}
    for digest, sets in SqlEvidence(api.store).kept_digests().items():
        kept = sets[-1]
        held = keeper.retentions(kept.model, kept.version, now)
        why = held[0].describe() if held else "recorded in its registry history"
        name = next(f.path for f in kept.files if f.sha256 == digest)
        found[digest] = f"{name} kept with {kept.model} v{kept.version}, {why}"
    return found


def _artifact_store(api: Api) -> ArtifactStore:
    from trackrecord.errors import ConfigurationError
    from trackrecord.store.sql import SqlStore

    if not isinstance(api.store, SqlStore):
        raise ConfigurationError("gc runs where the store is: on the server's machine")
    return api.store.artifacts


def plan_gc(api: Api, min_age: float = DEFAULT_MIN_AGE, progress: Progress | None = None) -> GcPlan:
    """Find the artifact contents no run refers to; removes nothing.

    Args:
        api: the store to look at.
        min_age: only contents stored at least this many seconds ago are
            planned for removal (0: every unreferenced one).
        progress: called with each run id as its events are read.
    """
    stored_before = time.time() - min_age
    # List the stored contents first: a content stored after this listing is not a candidate,
    # however its run's events end up being read.
    artifacts = _artifact_store(api)
    candidates = set(artifacts.digests(stored_before))
    recent = set(artifacts.digests()) - candidates
    referenced, runs = referenced_digests(api, progress)
    retained = kept_digests(api)
    kept = {d: retained[d] for d in sorted((candidates | recent) - referenced) if d in retained}
    unreferenced = {}
    for digest in sorted(candidates - referenced - set(retained)):
        try:
            unreferenced[digest] = artifacts.size(digest)
        except LookupError:  # removed meanwhile (another collector)
            continue
    staging = []
    if isinstance(artifacts, LocalArtifactStore):
        staging = artifacts.stale_staging(stored_before)
    spared = len(recent - referenced - set(retained))
    return GcPlan(unreferenced, runs, len(referenced), staging, stored_before, spared, kept)


def collect(api: Api, plan: GcPlan) -> int:
    """Remove what *plan* lists; return the bytes freed.

    A content stored again since the plan was made (a new run logged the same
    bytes) is spared, as is one that a run or a kept version's record has come to refer
    to meanwhile.
    """
    artifacts = _artifact_store(api)
    referenced, _ = referenced_digests(api)  # runs finished since the plan still count
    referenced |= set(kept_digests(api))
    freed = 0
    for digest in plan.unreferenced:
        if digest not in referenced:
            freed += artifacts.remove(digest, stored_before=plan.stored_before)
    if isinstance(artifacts, LocalArtifactStore):
        for name, _ in plan.stale_staging:
            freed += artifacts.remove_staging(name)
    return freed

"""The archive format: the manifest, the names of members, and version checks.

An archive is an uncompressed POSIX (pax) tar file::

    manifest.json               format name and version, TrackRecord version, created time,
                                and per run: id, project, name, status, parent, events, head
    runs/<run_id>.events        the run's events in seq order, framed as in the spool
                                (JSON header + raw little-endian columns of metric points)
    artifacts/sha256/<digest>   every artifact content named by the runs' artifact events,
                                older contents of re-logged paths included
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from trackrecord import __version__
from trackrecord.errors import ArchiveError
from trackrecord.record.events import Event
from trackrecord.store.base import RunRecord

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "ArchivedRun",
    "Progress",
    "artifact_member",
    "artifacts_named",
    "check_version",
    "is_artifact_member",
    "is_run_member",
    "manifest_bytes",
    "parse_manifest",
    "report",
    "run_member",
]

FORMAT: Final = "trackrecord-archive"
FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"

_RUN_MEMBER: Final = re.compile(r"runs/([0-9a-z]{26})\.events")
_ARTIFACT_MEMBER: Final = re.compile(r"artifacts/sha256/([0-9a-f]{64})")

Progress = Callable[[int, int, str], None]
"""Called as work goes: ``(done, total, what)``, e.g. ``(3, 10, "run 01jc3x...")``."""


def report(progress: Progress | None, done: int, total: int, what: str) -> None:
    """Tell *progress*, if given, how far the work is."""
    if progress is not None:
        progress(done, total, what)


def run_member(run_id: str) -> str:
    """The member holding the events of run *run_id*."""
    return f"runs/{run_id}.events"


def artifact_member(digest: str) -> str:
    """The member holding the artifact content of SHA-256 *digest*."""
    return f"artifacts/sha256/{digest}"


def is_run_member(name: str) -> bool:
    """Whether *name* is that of a run's events (``runs/<run_id>.events``)."""
    return _RUN_MEMBER.fullmatch(name) is not None


def is_artifact_member(name: str) -> bool:
    """Whether *name* is that of an artifact content (``artifacts/sha256/<digest>``)."""
    return _ARTIFACT_MEMBER.fullmatch(name) is not None


@dataclass(frozen=True)
class ArchivedRun:
    """A run as the manifest lists it; ``events`` is its count, ``head`` the last hash."""

    id: str
    project: str
    name: str
    status: str
    parent: str | None
    events: int
    head: str

    @classmethod
    def of(cls, run: RunRecord) -> ArchivedRun:
        """The manifest entry of a stored run, at its current head."""
        return cls(
            run.id, run.project, run.name, run.status, run.parent, run.head_seq, run.head_hash
        )


def artifacts_named(event: Event) -> dict[str, int]:
    """The artifact contents an event names, as ``{sha256: size}`` (none unless an artifact)."""
    if event.type != "artifact":
        return {}
    return {f["sha256"]: int(f["size"]) for f in event.body["files"]}


def manifest_bytes(entries: list[ArchivedRun], created: float) -> bytes:
    """The manifest of an archive of the runs *entries*, made at *created* (Unix time)."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "trackrecord_version": __version__,
        "created": datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="seconds"),
        "runs": [asdict(e) for e in entries],
    }
    return json.dumps(manifest, indent=1, ensure_ascii=False).encode()


def parse_manifest(data: bytes, path: Path) -> list[ArchivedRun]:
    """The runs listed by the manifest *data* of the archive at *path*.

    Raises:
        ArchiveError: not JSON, not of this format, of an unknown format
            version, or with a damaged list of runs.
    """
    try:
        manifest = json.loads(data)
        name, version = manifest.get("format"), manifest.get("format_version")
    except (ValueError, AttributeError) as exc:
        raise ArchiveError(f"the {MANIFEST} of {path} is not a JSON object: {exc}") from None
    if name != FORMAT:
        raise ArchiveError(f"{path} is not a TrackRecord archive (its format is {name!r})")
    check_version(version, path)
    try:
        return [ArchivedRun(**run) for run in manifest["runs"]]
    except (TypeError, KeyError) as exc:
        raise ArchiveError(f"the {MANIFEST} of {path} is damaged: {exc}") from None


def check_version(version: Any, path: Path) -> None:
    """Refuse a format *version* this TrackRecord does not read, saying what to do."""
    if not isinstance(version, int) or version < 1:
        raise ArchiveError(
            f"{path} has an unknown archive format version {version!r}; this TrackRecord "
            f"reads version {FORMAT_VERSION}"
        )
    if version > FORMAT_VERSION:
        raise ArchiveError(
            f"{path} is in archive format version {version}, newer than this TrackRecord "
            f"({__version__}) reads (up to {FORMAT_VERSION}); upgrade with "
            f"pip install -U trackrecord"
        )

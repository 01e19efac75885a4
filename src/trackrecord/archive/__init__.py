"""Portable archives of whole runs: export from one store, import into another.

An archive is an uncompressed POSIX (pax) tar file: a ``manifest.json``, each
run's events framed as in the spool (``runs/<run_id>.events``), and every
artifact content the runs name (``artifacts/sha256/<digest>``); the layout is
described in :mod:`trackrecord.archive.format`.

Tar rather than zip: members stream in and out with constant memory, any
``tar`` reads it, and it compresses well as a whole when wanted (``zstd``).
Zip's per-member CRC adds nothing here: artifacts are named by their SHA-256
and every event carries its hash. Nothing is ever extracted to the file system.

Import checks the whole archive before it writes a run: the manifest's format
version, every event's hash and chain, that each run continues (or equals)
what the store already holds, and that every artifact a run names is present.
Then it stores the artifacts (each must hash to its name) and appends each
run's events in batches. Ids, times and hash chains are those of the events,
so they stay intact; importing the same archive twice changes nothing.

The package's modules, one per concept: ``format`` (manifest, member names,
version checks), ``writer`` (export), ``reader`` (reading and checking an
archive) and ``loader`` (import into a store).

Example:
    >>> export_archive(store_a, [run.id], "runs.tar")  # doctest: +SKIP
    >>> import_archive(store_b, "runs.tar").imported  # doctest: +SKIP
    ('01jc3x...',)
"""

from __future__ import annotations

from trackrecord.archive.format import FORMAT, FORMAT_VERSION, MANIFEST, ArchivedRun, Progress
from trackrecord.archive.loader import ImportSummary, import_archive
from trackrecord.archive.writer import ArchiveSummary, export_archive
from trackrecord.errors import ArchiveError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "ArchiveError",
    "ArchiveSummary",
    "ArchivedRun",
    "ImportSummary",
    "Progress",
    "export_archive",
    "import_archive",
]

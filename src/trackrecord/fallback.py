"""Where a store's local files go when the store's own directory cannot be written.

A run keeps its events in a spool beside the store (``<dir>/spool``) until the
store has them. When that directory is read-only or failing — at the start of a
run, or part-way through — the spool moves to the store's *fallback directory*,
one of the user's own:

1. ``$TRACKRECORD_FALLBACK_DIR/<store>-<hash>``, when that variable is set;
2. else ``$XDG_CACHE_HOME/trackrecord/fallback/<store>-<hash>`` (``~/.cache`` by default);
3. else, when that cannot be written, ``<temp dir>/trackrecord-<user>/fallback/<store>-<hash>``,

where ``<store>-<hash>`` names the store directory (its name and a hash of its
full path), and a file ``store.txt`` in it holds that path. Whoever opens the
store next with write access — a reader, a new run, ``trackrecord sync`` — sends
what waits there, as it does for the store's own spool.

Example:
    >>> fallback_roots(Path("/data/.trackrecord"))[0].name  # doctest: +SKIP
    '.trackrecord-3c1f0d5e9a7b2c44'
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Final

__all__ = ["FALLBACK_VARIABLE", "ORIGIN_FILE", "fallback_roots", "make_fallback"]

FALLBACK_VARIABLE: Final = "TRACKRECORD_FALLBACK_DIR"
ORIGIN_FILE: Final = "store.txt"


def _bases() -> list[Path]:
    """The directories under which fallback directories may be, in order of preference."""
    if chosen := os.environ.get(FALLBACK_VARIABLE):
        return [Path(chosen).expanduser().absolute()]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    temp = Path(tempfile.gettempdir()) / f"trackrecord-{user}"
    return [Path(cache).absolute() / "trackrecord" / "fallback", temp / "fallback"]


def fallback_roots(root: Path) -> list[Path]:
    """The places where the fallback directory of the store in *root* may be (existing or not)."""
    digest = hashlib.sha256(str(root.absolute()).encode("utf-8", "surrogateescape")).hexdigest()
    name = f"{root.name or 'store'}-{digest[:16]}"
    return [base / name for base in _bases()]


def make_fallback(root: Path) -> Path:
    """Create the first fallback directory of *root* that can be written, and return it.

    Raises:
        OSError: none of the places can be written (the message lists them).
    """
    failures = []
    for candidate in fallback_roots(root):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            (candidate / ORIGIN_FILE).write_text(f"{root.absolute()}\n", encoding="utf-8")
        except OSError as exc:
            failures.append(f"{candidate} ({exc.strerror or exc})")
            continue
        return candidate
    raise OSError(f"no fallback directory can be written: {'; '.join(failures)}")

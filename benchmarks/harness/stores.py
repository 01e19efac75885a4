"""The shared stores of the many-runs workloads: loaded once per tracker, reused by every row.

A store lives in `benchmarks/.work/stores/<tracker>-<runs>-v<data version>/` and is
complete once its `manifest.json` is there. Stores loaded in this run are removed at
the end, unless `--keep` or `--reuse-stores`; with `--reuse-stores` a complete store
left by an earlier run (same tracker, size and data version) is used as it is.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from harness.pg_copy import drop_copy
from harness.runner import WorkerFailed, load_runs
from harness.runs_data import VERSION
from harness.timing import timed
from harness.workdir import WORK_ROOT

STORES = WORK_ROOT / "stores"


class SharedStores:
    """Stores loaded (or found) so far in this run, and why a load failed."""

    def __init__(self, reuse: bool, keep: bool, timeout: float) -> None:
        self.reuse, self.keep, self.timeout = reuse, keep, timeout
        self.ready: dict[tuple[str, int], tuple[Path, dict[str, float]]] = {}
        self.failed: dict[tuple[str, int], str] = {}
        self.loaded: list[Path] = []

    def get(self, tracker: str, runs: int) -> tuple[Path, dict[str, float]]:
        """The store root and its set-up figures; loads it first if needed.

        Raises WorkerFailed (once per tracker and size: later calls repeat the reason).
        """
        key = (tracker, runs)
        if key in self.ready:
            return self.ready[key]
        if key in self.failed:
            raise WorkerFailed(self.failed[key])
        root = STORES / f"{tracker}-{runs}-v{VERSION}"
        if not self.reuse:
            drop_copy(root)  # a copy of a store this run replaces
        manifest = read_manifest(root) if self.reuse else None
        figures = None if manifest is None else manifest["figures"]
        if figures is None:
            figures = self._load(tracker, runs, root)
        else:
            print(f"  reusing the {tracker} store of {runs:,} runs in {root}", file=sys.stderr)
        self.ready[key] = (root, figures)
        return root, figures

    def _load(self, tracker: str, runs: int, root: Path) -> dict[str, float]:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        self.loaded.append(root)
        print(f"  loading the {tracker} store of {runs:,} runs (set-up) …", file=sys.stderr)
        try:
            with timed() as took:
                figures = load_runs(tracker, runs, root, self.timeout)
        except WorkerFailed as exc:
            self.failed[(tracker, runs)] = f"store load failed: {exc}"
            raise WorkerFailed(self.failed[(tracker, runs)]) from exc
        print(f"  loaded in {took.seconds:.1f} s", file=sys.stderr)
        return figures

    def close(self) -> None:
        """Remove the stores loaded in this run (and their PostgreSQL copies, see
        harness/pg_copy.py), unless they are to be kept."""
        if self.keep or self.reuse:
            return
        for root in self.loaded:
            drop_copy(root)
            shutil.rmtree(root, ignore_errors=True)


def write_manifest(root: Path, tracker: str, runs: int, figures: dict[str, float]) -> None:
    """Mark the store in `root` complete (written last by the loader)."""
    manifest = {"tracker": tracker, "runs": runs, "version": VERSION, "figures": figures}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The manifest of a complete store loaded with this data version, or None."""
    try:
        manifest: dict[str, Any] = json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("version") == VERSION else None

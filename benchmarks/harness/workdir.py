"""Fresh, throwaway directories under benchmarks/.work/ (gitignored)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WORK_ROOT = Path(__file__).resolve().parent.parent / ".work"


@contextmanager
def fresh_workdir(prefix: str, keep: bool = False) -> Iterator[Path]:
    """An empty directory for one tracker process; removed afterwards unless `keep`."""
    WORK_ROOT.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=WORK_ROOT))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def disk_usage(path: Path) -> int:
    """Bytes in every file under `path` (SQLite -wal/-shm and RocksDB logs included)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())

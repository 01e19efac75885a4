"""Dataset digests against ``sha256sum``: one large file and a directory of many files.

Times :func:`trackrecord.data.hash_file` and :func:`trackrecord.data.hash_directory`
side by side with coreutils ``sha256sum`` (for the directory: ``find dir -type f
-print0 | xargs -0 sha256sum``) on the same data, in one run, and prints the
times, throughputs and ratios (TrackRecord ÷ sha256sum: below 1 is faster).
Each is run ``--repeat`` times after a warm-up read, and the best time kept, so
both read from the page cache.

Usage::

    .venv/bin/python benchmarks/dataset_digest.py --size-mb 2048 --files 5000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from trackrecord.data import hash_directory, hash_file


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The shortest wall time of *repeat* runs of *work*, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def make_file(path: Path, size_mb: int) -> None:
    """Random-looking bytes (not a sparse file: that would read faster than disk)."""
    block = os.urandom(1 << 20)
    with open(path, "wb") as stream:
        for index in range(size_mb):
            stream.write(block[index % 251 :] + block[: index % 251])


def make_directory(root: Path, files: int, file_kb: int) -> None:
    payload = os.urandom(file_kb * 1024)
    for index in range(files):
        folder = root / f"part{index % 32:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{index:06d}.bin").write_bytes(index.to_bytes(8, "little") + payload)


def sha256sum_file(path: Path) -> None:
    subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.DEVNULL)


def sha256sum_directory(root: Path) -> None:
    command = f"find {root} -type f -print0 | xargs -0 sha256sum"
    subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)


def row(label: str, ours: float, theirs: float, megabytes: float) -> str:
    return (
        f"{label:<10} trackrecord {ours:7.3f} s ({megabytes / ours:7.0f} MB/s)   "
        f"sha256sum {theirs:7.3f} s ({megabytes / theirs:7.0f} MB/s)   "
        f"ratio {ours / theirs:5.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=2048, help="size of the large file")
    parser.add_argument("--files", type=int, default=5000, help="files in the directory")
    parser.add_argument("--file-kb", type=int, default=64, help="size of each small file")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    parser.add_argument("--workers", type=int, default=None, help="hash_directory threads")
    parser.add_argument("--dir", default=None, help="where to write the data (a temp dir)")
    args = parser.parse_args()
    if shutil.which("sha256sum") is None:
        sys.exit("sha256sum (GNU coreutils) is needed for the comparison")
    work = Path(tempfile.mkdtemp(prefix="trackrecord-bench-", dir=args.dir))
    try:
        big, tree = work / "large.bin", work / "tree"
        make_file(big, args.size_mb)
        make_directory(tree, args.files, args.file_kb)
        tree_mb = args.files * (args.file_kb * 1024 + 8) / 1e6
        print(f"cpus {os.cpu_count()}; file {args.size_mb} MiB; directory {args.files} files")
        sha256sum_file(big)  # warm the page cache for both
        ours = best_of(args.repeat, lambda: hash_file(big))
        theirs = best_of(args.repeat, lambda: sha256sum_file(big))
        print(row("file", ours, theirs, args.size_mb * 1.048576))
        sha256sum_directory(tree)
        ours = best_of(args.repeat, lambda: hash_directory(tree, workers=args.workers))
        theirs = best_of(args.repeat, lambda: sha256sum_directory(tree))
        print(row("directory", ours, theirs, tree_mb))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""One measurement in a fresh process: `worker.py WORKLOAD TRACKER MODE N RESULT_JSON`.

Started by run.py with an empty working directory that the tracker stores into.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness.environment import quiet_peers


def main(argv: list[str]) -> None:
    workload_name, tracker_name, mode, n, result = argv
    quiet_peers()  # before anything imports a peer
    from trackers import TRACKERS
    from workloads import load_workload

    workload = load_workload(workload_name)
    figures = workload.measure(TRACKERS[tracker_name], mode, Path.cwd(), int(n))
    Path(result).write_text(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])

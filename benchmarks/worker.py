"""One measurement in a fresh process: `worker.py WORKLOAD TRACKER MODE N RESULT_JSON [STORE]`.

Started by run.py with an empty working directory that the tracker stores into
(STORE: the shared store a many-runs workload reads). The set-up of such a store
runs here too: `worker.py --load-runs TRACKER RUNS STORE RESULT_JSON`, and so do the
logging clients of the server_ingest workload: `worker.py --log-client TRACKER URI STEPS DIR`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness.environment import quiet_peers


def main(argv: list[str]) -> None:
    quiet_peers()  # before anything imports a peer
    from trackers import TRACKERS
    from workloads import load_workload

    if argv[0] == "--log-client":
        from workloads.server_ingest import client_main

        tracker_name, uri, steps, workdir = argv[1:]
        client_main(tracker_name, uri, int(steps), Path(workdir))
        return
    if argv[0] == "--load-runs":
        from workloads.many_runs import load_store

        tracker_name, runs, store, result = argv[1:]
        figures = load_store(TRACKERS[tracker_name], int(runs), Path(store))
    else:
        workload_name, tracker_name, mode, n, result, *store = argv
        workload = load_workload(workload_name)
        spec = TRACKERS[tracker_name]
        figures = workload.measure(spec, mode, Path.cwd(), int(n), *map(Path, store))
    Path(result).write_text(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])

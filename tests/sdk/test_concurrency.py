"""16 processes logging to one embedded store at once: no lock errors, no lost points."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

import trackrecord

WORKER = textwrap.dedent("""
    import sys, time
    import trackrecord
    store, worker, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    time.sleep(max(0.0, start_at - time.time()))
    with trackrecord.init("many", name=f"worker-{worker}", dir=store, capture=False) as run:
        run.log_params({"worker": worker})
        for step in range(3000):
            run.log({"a": worker + step * 1e-3, "b": float(step), "c": -step}, step=step)
            if step % 500 == 0:
                run.set_tags({"progress": str(step)})
                time.sleep(0.05)
""")


def test_sixteen_writers_at_once(tmp_path: Path) -> None:
    store = tmp_path / "store"
    start_at = time.time() + 3.0  # all start together, after every interpreter is up
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(store), str(i), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, TRACKRECORD_STRICT="1"),
        )
        for i in range(16)
    ]
    outputs = [w.communicate(timeout=240) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=False):
        assert worker.returncode == 0, err
        assert "locked" not in err and "Warning" not in err, err

    with trackrecord.Api(dir=store) as api:
        runs = api.runs("many")
        assert sorted(r.params["worker"] for r in runs) == list(range(16))
        for run in runs:
            assert run.status == "finished" and run.tags == {"progress": "2500"}
            for key in ("a", "b", "c"):
                series = api.metric_history(run.id, key)
                np.testing.assert_array_equal(series.steps, np.arange(3000))
            worker = run.params["worker"]
            np.testing.assert_allclose(
                api.metric_history(run.id, "a").values, worker + np.arange(3000) * 1e-3
            )
            assert api.verify(run.id).ok

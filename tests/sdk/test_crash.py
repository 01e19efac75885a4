"""A training process killed with SIGKILL loses at most about the last second.

Nothing else is started after the kill: the reader (Api) recovers the spool
the dead writer left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

import trackrecord

TRAINING = textwrap.dedent("""
    import sys, time
    import trackrecord
    run = trackrecord.init("crash", dir=sys.argv[1], capture=False)
    run.log_params({"lr": 0.1})
    print(run.id, flush=True)
    step = 0
    while True:
        run.log({"loss": 1.0 / (step + 1), "acc": step * 1e-6}, step=step)
        if step % 50 == 0:
            print(step, time.time(), flush=True)
        step += 1
        time.sleep(0.0005)
""")


def test_sigkill_loses_at_most_the_last_second(tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if k != "TRACKRECORD_STRICT"}
    child = subprocess.Popen(
        [sys.executable, "-c", TRAINING, str(store)], env=env, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    run_id = child.stdout.readline().strip()
    progress: list[tuple[int, float]] = []
    started = time.time()
    while time.time() - started < 3.0:
        step, at = child.stdout.readline().split()
        progress.append((int(step), float(at)))
    os.kill(child.pid, signal.SIGKILL)
    killed_at = time.time()
    child.wait()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    api = trackrecord.Api(dir=store)  # the reader recovers what the dead writer spooled
    run = api.run(run_id)
    must_have = max(step for step, at in progress if at <= killed_at - 1.0)
    for key in ("loss", "acc"):
        steps = api.metric_history(run_id, key).steps
        assert len(steps) > must_have, f"{key}: lost more than the last second"
        np.testing.assert_array_equal(steps, np.arange(len(steps)))  # no gap, no duplicate
    assert run.status == "crashed" and run.params == {"lr": 0.1}
    assert api.verify(run_id).ok
    assert not (store / "spool" / run_id).exists()
    api.close()

"""Environment every benchmark process runs with, set before any peer is imported."""

from __future__ import annotations

import os

# MLflow 3 sends usage telemetry unless told not to; W&B must stay offline here.
# (MLflow reads DO_NOT_TRACK only when it equals "true"; MLFLOW_DISABLE_TELEMETRY is what counts.)
PEER_ENVIRONMENT: dict[str, str] = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "WANDB_MODE": "offline",
}


def quiet_peers() -> None:
    """Set the no-telemetry, offline variables in this process (and so its children)."""
    os.environ.update(PEER_ENVIRONMENT)

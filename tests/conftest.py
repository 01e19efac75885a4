"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import tempfile

# Writer failures the SDK survives are re-raised at finish() under the test suite.
os.environ.setdefault("TRACKRECORD_STRICT", "1")
# Checkpoint keys of the stores tests make go to a directory of their own, never to the
# user's ~/.config/trackrecord/checkpoint-keys.
os.environ.setdefault(
    "TRACKRECORD_CHECKPOINT_KEYS_DIR", tempfile.mkdtemp(prefix="trackrecord-checkpoint-keys-")
)

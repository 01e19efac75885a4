"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

# Writer failures the SDK survives are re-raised at finish() under the test suite.
os.environ.setdefault("TRACKRECORD_STRICT", "1")

"""Keras picks its backend when first imported: the tests use torch (installed; TensorFlow is
not), whichever test imports keras first."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

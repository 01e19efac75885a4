"""Save models with a manifest (flavor, format, framework versions, signature, risks).

``run.log_model`` and ``trackrecord.load_model`` are built on these. Each
flavor lives in :mod:`trackrecord.models.flavors` and imports its library only
when used, so ``import trackrecord.models`` loads no machine-learning library.

Example::

    >>> from trackrecord.models import FLAVORS
    >>> FLAVORS
    ('sklearn', 'pytorch', 'onnx', 'xgboost', 'lightgbm', 'directory')
"""

from __future__ import annotations

from trackrecord.models.manifest import MANIFEST, SavedModel
from trackrecord.models.package import (
    FLAVORS,
    detect_flavor,
    framework_versions,
    load_model_dir,
    save_model,
)
from trackrecord.models.signature import describe, make_signature, tensor_spec

__all__ = [
    "FLAVORS",
    "MANIFEST",
    "SavedModel",
    "describe",
    "detect_flavor",
    "framework_versions",
    "load_model_dir",
    "make_signature",
    "save_model",
    "tensor_spec",
]

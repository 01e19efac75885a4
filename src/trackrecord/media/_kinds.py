"""Recognise objects of optional libraries without importing those libraries."""

from __future__ import annotations

import sys

__all__ = ["is_instance", "type_name"]


def is_instance(obj: object, module: str, class_name: str) -> bool:
    """Whether *obj* is an instance of ``module.class_name``, imported or not.

    An object can only be an instance of a class whose module is already in
    ``sys.modules``, so looking there answers the question for free and keeps
    ``import trackrecord.media`` from loading numpy, pandas, Pillow and friends.
    """
    cls = getattr(sys.modules.get(module), class_name, None)
    return isinstance(cls, type) and isinstance(obj, cls)


def type_name(obj: object) -> str:
    """The type of *obj* as users know it: ``dict``, ``datetime.date``, ``torch.Tensor``."""
    kind = type(obj)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"

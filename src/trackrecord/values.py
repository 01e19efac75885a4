"""Checking and normalising what users log: metric values, keys, params, tags.

Mistakes raise :class:`~trackrecord.errors.InvalidValueError` at the call site,
naming the key, what was given and what is allowed; nothing is recorded then.

Example:
    >>> flatten_params({"optimizer": {"lr": 0.1, "betas": (0.9, 0.99)}, "epochs": 3})
    {'optimizer.lr': 0.1, 'optimizer.betas': [0.9, 0.99], 'epochs': 3}
"""

from __future__ import annotations

import math
import operator
import os
from collections.abc import Iterable, Mapping
from typing import Any, Final

from trackrecord.errors import InvalidValueError

__all__ = [
    "MAX_KEY_LENGTH",
    "check_key",
    "check_step",
    "flatten_params",
    "json_ready",
    "local_user",
    "normalise_tags",
    "to_metric_value",
]

MAX_KEY_LENGTH: Final = 250
MAX_TAG_LENGTH: Final = 5000
_JSON_SCALARS: Final = (str, int, float, bool, type(None))


def check_key(key: object, kind: str = "metric") -> str:
    """Return *key* if it can name a metric, param or tag; raise otherwise."""
    if not isinstance(key, str):
        raise InvalidValueError(
            f"{kind} key {key!r} is a {type(key).__name__}; keys must be strings, "
            f"such as 'loss' or 'train/acc'"
        )
    if not key or len(key) > MAX_KEY_LENGTH or key != key.strip():
        raise InvalidValueError(
            f"{kind} key {key!r} is empty, longer than {MAX_KEY_LENGTH} characters, or starts or "
            f"ends with white space; use a short name such as 'loss' or 'val/acc'"
        )
    if any(ord(c) < 32 for c in key):
        raise InvalidValueError(
            f"{kind} key {key!r} contains control characters; use printable characters only"
        )
    return key


def to_metric_value(key: str, value: object) -> float:
    """Convert a metric value to float; NaN and ±inf are kept as they are.

    Accepts int, float, bool, numpy scalars and anything with ``__float__``
    (a 0-d tensor, a Decimal). Raises for strings, None, containers.
    """
    if isinstance(value, (str, bytes)) or value is None or not hasattr(value, "__float__"):
        raise InvalidValueError(
            f"metric {key!r} got {value!r} of type {type(value).__name__}; metric values must "
            f"be numbers (int, float, bool, a numpy or 0-d tensor scalar). Log text with "
            f"set_tags() or log_text(), and configuration with log_params()"
        )
    try:
        return float(value)  # type: ignore[arg-type,unused-ignore]
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(
            f"metric {key!r} got {value!r}, which does not convert to a single float ({exc}); "
            f"log one number per key, e.g. {{'{key}': tensor.item()}}"
        ) from None


def check_step(step: object) -> int:
    """Return *step* as an int; raise for non-integers."""
    if isinstance(step, bool) or not hasattr(step, "__index__"):
        raise InvalidValueError(
            f"step {step!r} of type {type(step).__name__} is not an integer; pass an int "
            f"such as step=10, or leave it out to count up automatically"
        )
    number = operator.index(step)
    if not -(2**63) <= number < 2**63:
        raise InvalidValueError(f"step {number} does not fit in 64 bits; use a smaller step")
    return number


def _param_value(path: str, value: Any) -> Any:
    """Normalise one param value to JSON types, or raise naming *path*."""
    if isinstance(value, _JSON_SCALARS):
        return value
    if isinstance(value, (list, tuple)):
        return [_param_value(f"{path}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if (
        type(value).__module__ == "numpy"
        and hasattr(value, "item")
        and getattr(value, "ndim", 1) == 0
    ):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _param_value(f"{path}.{k}", v) for k, v in value.items()}
    raise InvalidValueError(
        f"param {path!r} has a value of type {type(value).__name__} ({value!r:.80}); params "
        f"must be JSON values: str, int, float, bool, None, lists and dicts of them. "
        f"Convert it first, e.g. str(value)"
    )


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts into dotted keys, keeping JSON types (lists stay lists)."""
    if not isinstance(params, Mapping):
        raise InvalidValueError(
            f"params must be a dict such as {{'lr': 0.1}}, not a {type(params).__name__}"
        )
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{check_key(key, 'param')}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten_params(value, prefix=f"{name}."))
        else:
            flat[name] = _param_value(name, value)
    return flat


def normalise_tags(tags: Mapping[str, Any] | Iterable[str] | None) -> dict[str, str]:
    """Tags as ``{key: value}``; a list of labels becomes ``{label: ""}``."""
    if tags is None:
        return {}
    if isinstance(tags, str):
        tags = [tags]
    items = tags.items() if isinstance(tags, Mapping) else ((t, "") for t in tags)
    result: dict[str, str] = {}
    for key, value in items:
        check_key(key, "tag")
        if not isinstance(value, (str, int, float, bool)) and value is not None:
            raise InvalidValueError(
                f"tag {key!r} has a value of type {type(value).__name__}; tag values are short "
                f"strings (numbers and booleans are converted); use log_params for structures"
            )
        text = "" if value is None else str(value)
        if len(text) > MAX_TAG_LENGTH:
            raise InvalidValueError(
                f"tag {key!r} is {len(text)} characters long; the limit is {MAX_TAG_LENGTH}. "
                f"Use run.notes or log_text for long text"
            )
        result[key] = text
    return result


def local_user() -> str:
    """The login name of this process's user (``"unknown"`` in a container without one).

    Example:
        >>> isinstance(local_user(), str)
        True
    """
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return "unknown"


def json_ready(value: Any) -> Any:
    """A deep copy of *value* that strict JSON can hold: mappings with string keys, tuples as
    lists, numpy scalars as Python ones, and NaN and ±inf (which JSON lacks) as None.

    Example:
        >>> json_ready({"a": (1, float("nan"))})
        {'a': [1, None]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value

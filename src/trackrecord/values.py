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
    "INT64_MAX",
    "INT64_MIN",
    "MAX_DEPTH",
    "MAX_KEY_LENGTH",
    "check_int64",
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
MAX_DEPTH: Final = 32
"""How deeply lists and dicts may nest inside one param value."""
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
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
    except OverflowError:
        raise InvalidValueError(
            f"metric {key!r} got {value!r:.60}, which is too large for a float (±1.8e308); "
            f"log a smaller number, e.g. its logarithm"
        ) from None
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(
            f"metric {key!r} got {value!r}, which does not convert to a single float ({exc}); "
            f"log one number per key, e.g. {{'{key}': tensor.item()}}"
        ) from None


def check_int64(number: int, what: str) -> int:
    """Return *number* if it fits a signed 64-bit integer (as stores keep it); raise otherwise.

    Example:
        >>> check_int64(2**62, "step")
        4611686018427387904
    """
    if not INT64_MIN <= number <= INT64_MAX:
        raise InvalidValueError(
            f"{what} is {number}, which does not fit in 64 bits; use an integer from "
            f"{INT64_MIN} to {INT64_MAX} (a param may also be a float or a string)"
        )
    return number


def check_step(step: object) -> int:
    """Return *step* as an int; raise for non-integers and for integers past 64 bits."""
    if isinstance(step, bool) or not hasattr(step, "__index__"):
        raise InvalidValueError(
            f"step {step!r} of type {type(step).__name__} is not an integer; pass an int "
            f"such as step=10, or leave it out to count up automatically"
        )
    return check_int64(operator.index(step), "step")


def _param_value(path: str, value: Any, depth: int = 0) -> Any:
    """Normalise one param value to JSON types, or raise naming *path*."""
    if isinstance(value, int) and not isinstance(value, bool):
        return check_int64(value, f"param {path!r}")
    if isinstance(value, _JSON_SCALARS):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if (
        type(value).__module__ == "numpy"
        and hasattr(value, "item")
        and getattr(value, "ndim", 1) == 0
    ):
        return _param_value(path, value.item(), depth)
    if isinstance(value, (list, tuple, Mapping)) and depth >= MAX_DEPTH:
        raise InvalidValueError(
            f"param {path!r} nests lists and dicts more than {MAX_DEPTH} levels deep; log a "
            f"flatter structure, or store it as a file with run.log_json()"
        )
    if isinstance(value, (list, tuple)):
        return [_param_value(f"{path}[{i}]", v, depth + 1) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        return {str(k): _param_value(f"{path}.{k}", v, depth + 1) for k, v in value.items()}
    raise InvalidValueError(
        f"param {path!r} has a value of type {type(value).__name__} ({value!r:.80}); params "
        f"must be JSON values: str, int, float, bool, None, lists and dicts of them. "
        f"Convert it first, e.g. str(value)"
    )


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts into dotted keys, keeping JSON types (lists stay lists).

    Raises:
        InvalidValueError: naming the param: a key that is not a valid name (also once
            joined with its parents' keys), a value that is not JSON, an integer past
            64 bits, or lists and dicts nested more than :data:`MAX_DEPTH` levels.
    """
    if not isinstance(params, Mapping):
        raise InvalidValueError(
            f"params must be a dict such as {{'lr': 0.1}}, not a {type(params).__name__}"
        )
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{check_key(key, 'param')}"
        if len(name) > MAX_KEY_LENGTH:
            raise InvalidValueError(
                f"param {name[:60]!r}... is {len(name)} characters long once its nested keys "
                f"are joined with '.'; the limit is {MAX_KEY_LENGTH}. Nest less deeply or use "
                f"shorter keys"
            )
        try:
            if isinstance(value, Mapping) and value:
                flat.update(flatten_params(value, prefix=f"{name}."))
            else:
                flat[name] = _param_value(name, value)
        except RecursionError:  # a value so deep that even the checks above ran out of stack
            raise InvalidValueError(
                f"param {name!r} is nested too deeply to store; log a flatter structure"
            ) from None
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

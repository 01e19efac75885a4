"""Text and JSON artifacts as bytes: UTF-8, and JSON that is byte-for-byte deterministic."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import TypeAlias

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import type_name

__all__ = ["encode_json", "encode_text"]

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None

_JSON_TYPES = "dict (with str or int keys), list, tuple, str, int, float, bool, None"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def encode_text(text: str) -> bytes:
    """Encode *text* as UTF-8.

    Raises:
        InvalidValueError: *text* is not a ``str``, or holds lone surrogates.

    Example::

        >>> encode_text("loss went down ✓")
        b'loss went down \\xe2\\x9c\\x93'
    """
    value: object = text  # callers without a type checker may pass anything
    if not isinstance(value, str):
        fix = "decode it first, e.g. value.decode('utf-8')" if isinstance(value, bytes) else None
        raise InvalidValueError(
            f"Text must be a str, got a {type_name(value)}; "
            f"{fix or 'convert it first, e.g. str(value)'}."
        )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidValueError(
            f"The text holds a character UTF-8 cannot encode ({exc.reason} at index {exc.start}); "
            "text must be valid Unicode. Remove it, or build the str with errors='replace'."
        ) from exc


def encode_json(obj: object) -> bytes:
    """Encode *obj* as deterministic JSON in UTF-8.

    Keys are sorted and indented by 2, so equal objects give equal bytes
    whatever their insertion order; the output ends with a newline. numpy
    scalars and arrays are converted with ``.item()`` / ``.tolist()``; int keys
    become strings, as in ``json.dumps``.

    Raises:
        InvalidValueError: a value is NaN or infinite, or of a type JSON cannot
            hold (a set, a datetime, ...); the message names its path, e.g.
            ``$.metrics[3]``.

    Example::

        >>> encode_json({"b": 1, "a": [0.5]})
        b'{\\n  "a": [\\n    0.5\\n  ],\\n  "b": 1\\n}\\n'
    """
    plain = _to_json_value(obj, "$", frozenset())
    text = json.dumps(plain, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return encode_text(text + "\n")


def _to_json_value(value: object, path: str, parents: frozenset[int]) -> JsonValue:
    """Return *value* as plain JSON types, or raise naming the *path* of what cannot be."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)  # int subclasses such as IntEnum serialise as their number
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValueError(
                f"JSON cannot hold {value} at {path}; only finite numbers are allowed. "
                "Replace it with None or a string such as 'nan' before logging."
            )
        return float(value)
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return _to_json_value(value.tolist(), path, parents)  # .tolist() is .item() on scalars
    if isinstance(value, (Mapping, list, tuple)):
        if id(value) in parents:
            raise InvalidValueError(
                f"{path} contains itself; JSON cannot hold circular references. "
                "Log a copy without the cycle."
            )
        inner = parents | {id(value)}
        if isinstance(value, Mapping):
            return _mapping_to_json(value, path, inner)
        return [_to_json_value(item, f"{path}[{i}]", inner) for i, item in enumerate(value)]
    raise InvalidValueError(
        f"JSON cannot hold the {type_name(value)} at {path}; allowed are {_JSON_TYPES} "
        "and numpy scalars and arrays. Convert it first, e.g. str(value) or sorted(value) "
        "for a set."
    )


def _mapping_to_json(
    mapping: Mapping[object, object], path: str, parents: frozenset[int]
) -> dict[str, JsonValue]:
    """Convert a mapping, turning int keys into strings as ``json.dumps`` would."""
    result: dict[str, JsonValue] = {}
    for key, item in mapping.items():
        name = _json_key(key, path)
        if name in result:
            raise InvalidValueError(
                f"{path} has both the key {name!r} and a key equal to it as a string ({key!r}); "
                "JSON object keys must be unique. Rename one of them."
            )
        result[name] = _to_json_value(item, _child_path(path, name), parents)
    return result


def _json_key(key: object, path: str) -> str:
    """A mapping key as a JSON object key: a str, or an int written in decimal."""
    if type(key).__module__ == "numpy" and hasattr(key, "item"):
        key = key.item()
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(int(key))
    raise InvalidValueError(
        f"JSON object keys must be str or int; {path} has the key {key!r} "
        f"({type_name(key)}). Convert the keys to str first."
    )


def _child_path(path: str, key: str) -> str:
    """``$.name`` for identifier-like keys, ``$["odd key"]`` for the others."""
    return f"{path}.{key}" if _IDENTIFIER.match(key) else f"{path}[{json.dumps(key)}]"

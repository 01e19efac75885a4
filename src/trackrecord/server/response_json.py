"""The JSON of the server's answers: :func:`~trackrecord.record.events.compact_json`'s data,
encoded by orjson where that gives the same.

Encoding answers was the largest single cost of a loaded server (a page of runs is
thousands of values). orjson encodes them about ten times faster, but it writes NaN and
±inf as ``null`` and refuses integers beyond 64 bits, where the store's encoding tags
non-finite floats (``{"$float": "nan"}``) and keeps every integer. So data holding a
non-finite float, and whatever orjson refuses, takes :func:`compact_json`'s path; the
rest reads back the same with :func:`~trackrecord.record.events.decode_json` (floats may be
spelled differently, ``1e16`` for ``1e+16``, and mean the same number). Without orjson
installed, every answer takes :func:`compact_json`'s path.

Example:
    >>> response_json({"a": [1.5, None]})
    b'{"a":[1.5,null]}'
    >>> response_json({"a": float("nan")})
    b'{"a":{"$float":"nan"}}'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from trackrecord.record.events import compact_json

__all__ = ["response_json"]


def _orjson() -> Callable[[Any], bytes] | None:
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is part of the server extra
        return None
    # subclasses (a numpy float, an OrderedDict) go to compact_json, which the walk for
    # non-finite floats then need not know about
    return functools.partial(orjson.dumps, option=orjson.OPT_PASSTHROUGH_SUBCLASS)


_DUMPS = _orjson()


def all_finite(value: Any) -> bool:
    """Whether no float inside *value* (dicts, lists and tuples, walked) is NaN or ±inf."""
    for item in value.values() if type(value) is dict else value:
        kind = type(item)
        if kind is float:
            if item - item != 0.0:  # nan - nan and inf - inf are nan
                return False
        elif (kind is dict or kind is list or kind is tuple) and not all_finite(item):
            return False
    return True


def response_json(value: Any) -> bytes:
    """*value* as JSON bytes that :func:`~trackrecord.record.events.decode_json` reads back as
    *value* (non-finite floats tagged, keys in their given order)."""
    if _DUMPS is None or not _container_of_finite(value):
        return compact_json(value)
    try:
        return _DUMPS(value)
    except TypeError:  # orjson.JSONEncodeError: a big integer, a surrogate, a non-str key,
        # a subclass, a type JSON lacks
        return compact_json(value)


def _container_of_finite(value: Any) -> bool:
    kind = type(value)
    if kind is dict or kind is list or kind is tuple:
        return all_finite(value)
    return kind is not float or value - value == 0.0

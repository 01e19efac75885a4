"""How big an event's body may be, and what holds everywhere in it.

Whatever its type, a body is JSON that every store can hold and hash: objects
with text keys, arrays, text without NUL and in valid Unicode (PostgreSQL text
cannot hold NUL, and UTF-8 has no lone surrogates), integers within 64 bits, and
no object that is ``{"$float": ...}`` alone (how NaN and infinities are stored, so
such an object would read back as a number and its views disagree with it). Its
size is bounded by :class:`EventLimits`. :mod:`trackrecord.event_schema` checks
each event type's fields on top of this.

Example:
    >>> check_limits({"notes": "x" * 20}, EventLimits(value_bytes=10))
    Traceback (most recent call last):
    ...
    trackrecord.errors.InvalidValueError: notes: text of 20 bytes; the limit is 10 ...
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from trackrecord.errors import InvalidValueError

__all__ = [
    "INT64",
    "EventLimits",
    "check_limits",
    "fit_text",
    "join_field",
    "refusal",
    "too_many",
]

INT64: Final = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class EventLimits:
    """How big one event may be. The server's flags set them (``trackrecord server --help``).

    ``keys_per_event``: keys of any one object in a body (params, tags, config...) and
    metric keys of a ``metrics`` event; ``value_bytes``: UTF-8 bytes of any one text,
    and of any one param value as JSON; ``json_depth``: nesting of objects and arrays.
    """

    keys_per_event: int = 10_000
    value_bytes: int = 1 << 20
    json_depth: int = 32


def join_field(field: str, name: str) -> str:
    """The name of field *name* inside *field* (the body's own fields go bare)."""
    return name if field == "body" else f"{field}.{name}"


def refusal(field: str, value: Any, allowed: str) -> InvalidValueError:
    """The error for *value* found at *field*, saying what is *allowed*."""
    shown = repr(value)
    shown = shown if len(shown) <= 80 else f"{shown[:77]}..."
    if isinstance(value, str):
        return InvalidValueError(f"{field} is {shown}; {allowed}")
    return InvalidValueError(f"{field} is {shown} of type {type(value).__name__}; {allowed}")


def too_many(field: str, count: int, what: str, limits: EventLimits) -> InvalidValueError:
    """The error for *count* keys of *what* at *field*, over the limit."""
    return InvalidValueError(
        f"{field}: {count:,} {what}; at most {limits.keys_per_event:,} are allowed in one "
        f"event (--max-keys-per-event). Send them in several events"
    )


def check_limits(body: Any, limits: EventLimits) -> None:
    """Raise InvalidValueError unless what holds everywhere holds in *body* (see above);
    it walks without recursion, so any depth is safe to check."""
    stack: list[tuple[Any, int, str]] = [(body, 1, "body")]
    while stack:
        value, depth, field = stack.pop()
        if isinstance(value, str):
            _check_text(value, field, limits)
        elif isinstance(value, bool) or value is None or isinstance(value, float):
            continue
        elif isinstance(value, int):
            if not INT64[0] <= value <= INT64[1]:
                raise InvalidValueError(f"{field}: {value} does not fit in 64 bits")
        elif isinstance(value, (Mapping, list, tuple)):
            if depth > limits.json_depth:
                raise InvalidValueError(
                    f"{field}: nested deeper than {limits.json_depth} levels (--max-json-depth)"
                )
            stack.extend(_children(value, depth, field, limits))
        else:
            raise refusal(field, value, "bodies hold JSON values only")


def _children(
    value: Mapping[str, Any] | Sequence[Any], depth: int, field: str, limits: EventLimits
) -> Iterator[tuple[Any, int, str]]:
    if not isinstance(value, Mapping):
        return ((item, depth + 1, f"{field}[{i}]") for i, item in enumerate(value))
    if len(value) > limits.keys_per_event:
        raise too_many(field, len(value), "keys", limits)
    if len(value) == 1 and "$float" in value:
        raise InvalidValueError(
            f"{field}: an object whose only key is '$float' is reserved (it is how NaN and "
            f"infinities are stored); send the number itself, or name the key otherwise"
        )
    for key in value:
        if not isinstance(key, str):
            raise refusal(f"{field} key", key, "object keys are text")
        _check_text(key, f"{field} key", limits)
    return ((item, depth + 1, join_field(field, key)) for key, item in value.items())


def _check_text(value: str, field: str, limits: EventLimits) -> None:
    if "\x00" in value:
        raise InvalidValueError(f"{field}: text holds a NUL character (\\x00); remove it")
    if value.isascii():
        size = len(value)
    else:
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError:
            raise InvalidValueError(
                f"{field}: text holds a lone surrogate, which is not valid Unicode; send "
                f"text as UTF-8"
            ) from None
    if size > limits.value_bytes:
        raise InvalidValueError(
            f"{field}: text of {size:,} bytes; the limit is {limits.value_bytes:,} "
            f"(--max-value-bytes). Log long text as an artifact (run.log_text)"
        )


def fit_text(text: str, max_bytes: int) -> str:
    """*text* as every event accepts it: NUL and lone surrogates replaced, cut to at most
    *max_bytes* of UTF-8 (for text the SDK records on its own, such as a traceback).

    Example:
        >>> fit_text("a\\x00b", 100) == "a\\ufffdb", fit_text("abcdef", 3)
        (True, 'abc')
    """
    data = text.replace("\x00", "\ufffd").encode("utf-8", "replace")
    return data[:max_bytes].decode("utf-8", "ignore") if len(data) > max_bytes else data.decode()

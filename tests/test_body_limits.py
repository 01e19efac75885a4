"""What holds everywhere in an event's body: text, integers, nesting, sizes."""

from __future__ import annotations

from typing import Any

import pytest

from trackrecord.body_limits import EventLimits, check_limits, fit_text
from trackrecord.errors import InvalidValueError


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"text": "a\x00b"}, "text: text holds a NUL"),
        ({"text": "\udc80"}, "lone surrogate"),
        ({"text": "x" * 101}, r"text of 101 bytes; the limit is 100 \(--max-value-bytes\)"),
        ({"text": "é" * 51}, "text of 102 bytes"),
    ],
)
def test_text_everywhere_holds_no_nul_is_unicode_and_fits(body: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidValueError, match=words):
        check_limits(body, EventLimits(value_bytes=100))


def test_what_holds_everywhere_holds_at_any_depth() -> None:
    limits = EventLimits(keys_per_event=3, value_bytes=100, json_depth=4)
    refusals = {
        "does not fit in 64 bits": {"pid": 2**63},
        "nested deeper than 4 levels": {"a": {"b": [[[1]]]}},
        "4 keys; at most 3": {"env": dict.fromkeys("abcd", "")},
        "key: text holds a NUL": {"env": {"a\x00": ""}},
        r"x\[0\]: an object whose only key is '\$float' is reserved": {"x": [{"$float": "nan"}]},
    }
    for words, body in refusals.items():
        with pytest.raises(InvalidValueError, match=words):
            check_limits(body, limits)
    check_limits({"a": {"b": [1]}, "pid": -(2**63)}, limits)


def test_fit_text_makes_any_text_acceptable() -> None:
    fitted = fit_text("\x00é\ud800" + "x" * 100, 10)
    check_limits({"text": fitted}, EventLimits(value_bytes=10))
    assert fitted.startswith("\ufffdé?") and len(fitted.encode()) <= 10
    assert fit_text("short", 10) == "short"


def test_any_depth_is_checked_without_recursion() -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(InvalidValueError, match="nested deeper than 32 levels"):
        check_limits({"x": deep}, EventLimits())
    with pytest.raises(InvalidValueError, match="bodies hold JSON values only"):
        check_limits({"x": {1, 2}}, EventLimits())

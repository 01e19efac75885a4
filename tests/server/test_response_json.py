"""The server's answers encoded by orjson mean what compact_json's encoding means."""

from __future__ import annotations

import collections
import json
import math
from typing import Any

import numpy as np
import pytest

from trackrecord.record.events import compact_json, decode_json
from trackrecord.server.http import Json
from trackrecord.server.response_json import response_json

NAN, INF = float("nan"), float("inf")

SAME_BYTES = [
    {"a": NAN},
    {"a": [1.5, INF, -INF]},
    {"nested": {"deep": [{"x": NAN}]}},
    NAN,
    {"big": 2**70},
    {"low": -(2**63), "high": 2**63 - 1, "above": 2**64},
    [2**100, NAN],
    {1: "int key"},
    {"a": np.float64("nan")},
    collections.OrderedDict(a=INF),
    {"text": "é ✓ \u2028", "none": None, "bool": True},
    {"runs": [{"id": "r1", "params": {"lr": 0.1}, "summaries": {}}], "next_cursor": None},
]


@pytest.mark.parametrize("value", SAME_BYTES, ids=lambda v: repr(v)[:40])
def test_non_finite_floats_big_integers_and_plain_data_encode_as_before(value: Any) -> None:
    assert response_json(value) == compact_json(value)


@pytest.mark.parametrize("value", [[1e16, 1e-7, -0.0, 0.1, 5e-324, 1.7976931348623157e308]])
def test_floats_may_be_spelled_differently_and_read_back_the_same(value: Any) -> None:
    back = decode_json(response_json(value))
    assert back == value and [math.copysign(1, v) for v in back] == [
        math.copysign(1, v) for v in value
    ]


def test_a_lone_surrogate_fails_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        compact_json({"a": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        response_json({"a": "\ud800"})


def test_json_responses_use_it() -> None:
    body = Json({"summaries": {"loss": {"last": NAN, "count": 2**64}}}).body
    assert body == b'{"summaries":{"loss":{"last":{"$float":"nan"},"count":18446744073709551616}}}'
    assert json.loads(bytes(Json({"a": [1, 2]}).body)) == {"a": [1, 2]}

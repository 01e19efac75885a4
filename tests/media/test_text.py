"""encode_text and encode_json: UTF-8, deterministic JSON, errors that name the path."""

from __future__ import annotations

import datetime
import json
from typing import Any

import numpy as np
import pytest

from trackrecord.errors import InvalidValueError
from trackrecord.media import encode_json, encode_text


def test_text_is_utf8() -> None:
    assert encode_text("épochs ✓") == "épochs ✓".encode()


@pytest.mark.parametrize(
    ("value", "fix"), [(b"raw", "value.decode('utf-8')"), (3, "str(value)"), (None, "str(value)")]
)
def test_non_str_text_is_rejected_with_a_fix(value: object, fix: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        encode_text(value)  # type: ignore[arg-type]

    assert f"got a {type(value).__name__}" in str(caught.value)
    assert fix in str(caught.value)


def test_lone_surrogate_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match="at index 2"):
        encode_text("ab\ud800")


def test_json_bytes_do_not_depend_on_insertion_order() -> None:
    first = {"b": 1, "a": {"y": [1, 2], "x": None}}
    second = {"a": {"x": None, "y": [1, 2]}, "b": 1}

    assert encode_json(first) == encode_json(second)
    assert encode_json(first) == (
        b'{\n  "a": {\n    "x": null,\n    "y": [\n      1,\n      2\n    ]\n  },\n  "b": 1\n}\n'
    )


def test_json_keeps_non_ascii_characters() -> None:
    assert encode_json({"name": "Zoë"}) == '{\n  "name": "Zoë"\n}\n'.encode()


def test_numpy_scalars_arrays_and_int_keys_are_converted() -> None:
    value = {
        "lr": np.float32(0.5),
        "steps": np.arange(3),
        "done": np.bool_(True),
        "grid": np.eye(2, dtype=np.int8),
        7: "seven",
        np.int64(8): "eight",
    }

    assert json.loads(encode_json(value)) == {
        "lr": 0.5,
        "steps": [0, 1, 2],
        "done": True,
        "grid": [[1, 0], [0, 1]],
        "7": "seven",
        "8": "eight",
    }


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"metrics": [0.1, 0.2, 0.3, float("nan")]}, "$.metrics[3]"),
        ({"m": np.array([[0.0, 1.0], [np.inf, 2.0]])}, "$.m[1][0]"),
        ({"eval set": {"loss": np.float64("-inf")}}, '$["eval set"].loss'),
        (float("nan"), "at $;"),
    ],
)
def test_non_finite_number_names_its_path(value: object, path: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        encode_json(value)

    assert path in str(caught.value)
    assert "finite" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"when": datetime.date(2024, 1, 2)}, "datetime.date at $.when"),
        ({"tags": {"a", "b"}}, "set at $.tags"),
        ([1, b"x"], "bytes at $[1]"),
    ],
)
def test_non_json_type_names_its_path_and_type(value: object, expected: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        encode_json(value)

    assert expected in str(caught.value)
    assert "dict (with str or int keys), list" in str(caught.value)


def test_circular_reference_is_rejected() -> None:
    loop: dict[str, Any] = {"inner": []}
    loop["inner"].append(loop)

    with pytest.raises(InvalidValueError, match=r"\$\.inner\[0\] contains itself"):
        encode_json(loop)


def test_shared_but_not_circular_values_are_fine() -> None:
    shared = [1, 2]

    assert json.loads(encode_json({"a": shared, "b": shared})) == {"a": [1, 2], "b": [1, 2]}


def test_int_key_that_collides_with_a_str_key_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match="must be unique"):
        encode_json({"1": "a", 1: "b"})


def test_tuple_key_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match=r"\$ has the key \(1, 2\) \(tuple\)"):
        encode_json({(1, 2): "pair"})

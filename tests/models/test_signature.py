"""Signatures: names, dtypes and shapes with the batch dimension as -1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from trackrecord.errors import InvalidValueError
from trackrecord.models.flavors.onnx import graph_signature
from trackrecord.models.signature import describe, make_signature, tensor_spec


def test_a_numpy_array_keeps_its_dtype_and_loses_its_batch_size() -> None:
    assert describe(np.zeros((7, 3, 2), dtype=np.int16), "x") == [
        {"name": "x", "dtype": "int16", "shape": [-1, 3, 2]}
    ]


def test_nested_lists_and_scalars_go_through_numpy() -> None:
    assert describe([[1, 2], [3, 4]], "x") == [{"name": "x", "dtype": "int64", "shape": [-1, 2]}]
    assert describe(0.5, "y") == [{"name": "y", "dtype": "float64", "shape": []}]


def test_a_torch_tensor_dtype_has_no_torch_prefix() -> None:
    assert describe(torch.zeros(5, 8, dtype=torch.bfloat16), "t") == [
        {"name": "t", "dtype": "bfloat16", "shape": [-1, 8]}
    ]


def test_a_dataframe_gives_one_spec_per_column() -> None:
    frame = pd.DataFrame({"age": [30, 40], "city": ["a", "b"]})
    assert describe(frame, "X") == [
        {"name": "age", "dtype": "int64", "shape": [-1]},
        {"name": "city", "dtype": str(frame["city"].dtype), "shape": [-1]},
    ]


def test_a_series_is_named_after_itself_or_the_given_name() -> None:
    assert describe(pd.Series([1.0], name="score"), "y")[0]["name"] == "score"
    assert describe(pd.Series([1.0]), "y")[0]["name"] == "y"


def test_dicts_and_tuples_give_one_spec_per_item() -> None:
    specs = describe({"ids": np.zeros((2, 5), dtype=np.int32), "mask": torch.ones(2, 5)}, "in")
    pair = describe((np.zeros((2, 1)), np.zeros((2, 3))), "out")

    assert [(s["name"], s["dtype"], s["shape"]) for s in specs] == [
        ("ids", "int32", [-1, 5]),
        ("mask", "float32", [-1, 5]),
    ]
    assert [s["name"] for s in pair] == ["out_0", "out_1"]
    assert pair[1]["shape"] == [-1, 3]


def test_an_object_that_is_not_an_array_is_refused_with_the_accepted_kinds() -> None:
    with pytest.raises(InvalidValueError, match="numpy array, a torch tensor"):
        describe([object(), "text"], "x")


def test_make_signature_and_tensor_spec_build_plain_json() -> None:
    assert make_signature([tensor_spec("x", "float32", (-1, 4))], []) == {
        "inputs": [{"name": "x", "dtype": "float32", "shape": [-1, 4]}],
        "outputs": [],
    }


def test_onnx_graph_signature_skips_initializers_and_makes_symbolic_dims_minus_one() -> None:
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "bias"], ["y"])],
        "g",
        [
            helper.make_tensor_value_info("x", TensorProto.INT64, ["n", 3]),
            helper.make_tensor_value_info("bias", TensorProto.INT64, [3]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.INT64, None)],
        initializer=[helper.make_tensor("bias", TensorProto.INT64, [3], [1, 2, 3])],
    )

    assert graph_signature(helper.make_model(graph)) == {
        "inputs": [{"name": "x", "dtype": "int64", "shape": [-1, 3]}],
        "outputs": [{"name": "y", "dtype": "int64", "shape": None}],
    }

"""Round trips through save_model and load_model_dir, with the real libraries."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import onnx
import onnxruntime
import pytest
import sklearn
import skops
import torch
import xgboost
from onnx import TensorProto, helper
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from trackrecord.errors import InvalidValueError
from trackrecord.models import MANIFEST, SavedModel, load_model_dir, save_model
from trackrecord.models.flavors._flavor import PICKLE_RISK

TORCHSCRIPT_DEPRECATED = "ignore:`torch\\.jit\\.\\w+` is deprecated:DeprecationWarning"


def manifest_of(directory: Path) -> dict[str, Any]:
    return json.loads((directory / MANIFEST).read_text())


def check_manifest(directory: Path, saved: SavedModel, flavor: str, fmt: str) -> None:
    assert saved.flavor == flavor
    assert saved.format == fmt
    on_disk = sorted(
        p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()
    )
    assert list(saved.files) == on_disk
    assert MANIFEST in saved.files
    body = manifest_of(directory)
    assert SavedModel.from_dict(body) == saved
    assert {"python", "numpy"} <= set(saved.frameworks)


# scikit-learn ----------------------------------------------------------------


def test_sklearn_skops_round_trip(tmp_path: Path, rows: Any, labels: Any) -> None:
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(rows, labels)

    saved = save_model(model, tmp_path / "m", input_example=rows[:3])
    loaded = load_model_dir(tmp_path / "m")

    check_manifest(tmp_path / "m", saved, "sklearn", "skops")
    assert saved.files == ("model.skops", MANIFEST)
    assert saved.frameworks["scikit-learn"] == sklearn.__version__
    assert saved.frameworks["skops"] == skops.__version__
    assert saved.model_class == "sklearn.pipeline.Pipeline"
    assert saved.risks == ()
    assert saved.signature == {
        "inputs": [{"name": "X", "dtype": "float32", "shape": [-1, 4]}],
        "outputs": [{"name": "output", "dtype": "int64", "shape": [-1]}],
    }
    np.testing.assert_array_equal(loaded.predict_proba(rows), model.predict_proba(rows))


def test_sklearn_pickle_round_trip_records_the_risk(tmp_path: Path, rows: Any, labels: Any) -> None:
    model = LogisticRegression().fit(rows, labels)

    saved = save_model(model, tmp_path / "m", serialization="pickle")
    loaded = load_model_dir(tmp_path / "m")

    check_manifest(tmp_path / "m", saved, "sklearn", "pickle")
    assert saved.files == ("model.pkl", MANIFEST)
    assert saved.risks == (PICKLE_RISK,)
    assert "arbitrary code" in manifest_of(tmp_path / "m")["risks"][0]
    assert saved.signature == {
        "inputs": [{"name": "X", "dtype": None, "shape": [-1, 4]}],
        "outputs": [],
    }
    np.testing.assert_array_equal(loaded.predict(rows), model.predict(rows))


class Doubler(TransformerMixin, BaseEstimator):
    """A class skops does not trust by default."""

    def fit(self, X: Any, y: Any = None) -> Doubler:
        return self

    def transform(self, X: Any) -> Any:
        return np.asarray(X) * 2


def test_skops_with_untrusted_types_loads_only_when_trusted(tmp_path: Path, rows: Any) -> None:
    save_model(Doubler().fit(rows), tmp_path / "m")
    name = f"{Doubler.__module__}.Doubler"

    with pytest.raises(InvalidValueError, match="not trusted by default") as caught:
        load_model_dir(tmp_path / "m")
    assert name in str(caught.value)
    assert f"trusted=['{name}']" in str(caught.value)

    loaded = load_model_dir(tmp_path / "m", trusted=[name])
    np.testing.assert_array_equal(loaded.transform(rows), rows * 2)


def test_sklearn_signature_from_dataframe_columns(tmp_path: Path, rows: Any, labels: Any) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["a", "b", "c", "d"])
    model = LogisticRegression().fit(frame, labels)

    with_example = save_model(model, tmp_path / "e", input_example=frame.head(2))
    without = save_model(model, tmp_path / "n")

    assert [s["name"] for s in with_example.signature["inputs"]] == ["a", "b", "c", "d"]
    assert with_example.signature["inputs"][0] == {"name": "a", "dtype": "float32", "shape": [-1]}
    assert without.signature == {
        "inputs": [{"name": n, "dtype": None, "shape": [-1]} for n in "abcd"],
        "outputs": [],
    }


def test_a_skops_file_path_is_copied(tmp_path: Path, rows: Any, labels: Any) -> None:
    import skops.io as sio

    model = LogisticRegression().fit(rows, labels)
    sio.dump(model, tmp_path / "clf.skops")

    saved = save_model(str(tmp_path / "clf.skops"), tmp_path / "m")

    assert (saved.flavor, saved.format) == ("sklearn", "skops")
    assert saved.model_class == "sklearn.linear_model._logistic.LogisticRegression"
    np.testing.assert_array_equal(load_model_dir(tmp_path / "m").predict(rows), model.predict(rows))


# PyTorch ---------------------------------------------------------------------


class TinyNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 2)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.linear(features), dim=-1)


@pytest.fixture
def net() -> TinyNet:
    torch.manual_seed(0)
    return TinyNet()


def test_torch_state_dict_round_trip(tmp_path: Path, net: TinyNet, rows: Any) -> None:
    example = torch.from_numpy(rows[:2])

    saved = save_model(net, tmp_path / "m", input_example=example)
    state = load_model_dir(tmp_path / "m")
    restored = load_model_dir(tmp_path / "m", model=TinyNet())

    check_manifest(tmp_path / "m", saved, "pytorch", "state_dict")
    assert saved.files == ("model.pt", MANIFEST)
    assert saved.frameworks["torch"] == torch.__version__
    assert saved.model_class == f"{__name__}.TinyNet"
    assert saved.risks == ()
    assert saved.signature == {
        "inputs": [{"name": "features", "dtype": "float32", "shape": [-1, 4]}],
        "outputs": [{"name": "output", "dtype": "float32", "shape": [-1, 2]}],
    }
    assert set(state) == {"linear.weight", "linear.bias"}
    assert isinstance(restored, TinyNet)
    x = torch.from_numpy(rows)
    torch.testing.assert_close(restored(x), net(x))


def test_torch_signature_leaves_the_module_in_training_mode(tmp_path: Path, net: TinyNet) -> None:
    net.train()
    save_model(net, tmp_path / "m", input_example=torch.zeros(1, 4))
    assert net.training


@pytest.mark.filterwarnings(TORCHSCRIPT_DEPRECATED)
def test_torchscript_round_trip(tmp_path: Path, net: TinyNet, rows: Any) -> None:
    saved = save_model(net, tmp_path / "m", serialization="torchscript")
    loaded = load_model_dir(tmp_path / "m")

    check_manifest(tmp_path / "m", saved, "pytorch", "torchscript")
    assert "torchscript" in saved.risks[0]
    assert saved.signature is None
    x = torch.from_numpy(rows)
    torch.testing.assert_close(loaded(x), net(x))


class Unscriptable(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * len({"a": 1, **{"b": 2}})  # dict unpacking is not TorchScript


@pytest.mark.filterwarnings(TORCHSCRIPT_DEPRECATED)
def test_torchscript_falls_back_to_tracing_with_an_example(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="input_example="):
        save_model(Unscriptable(), tmp_path / "a", serialization="torchscript")

    saved = save_model(
        Unscriptable(), tmp_path / "b", serialization="torchscript", input_example=torch.ones(2, 3)
    )
    loaded = load_model_dir(tmp_path / "b")

    assert saved.format == "torchscript"
    torch.testing.assert_close(loaded(torch.ones(5, 3)), torch.full((5, 3), 2.0))


@pytest.mark.filterwarnings(TORCHSCRIPT_DEPRECATED)
def test_a_pt_file_path_is_recognised_as_state_dict_or_torchscript(
    tmp_path: Path, net: TinyNet
) -> None:
    torch.save(net.state_dict(), tmp_path / "weights.pt")
    torch.jit.save(torch.jit.script(net), str(tmp_path / "scripted.pth"))

    weights = save_model(tmp_path / "weights.pt", tmp_path / "w")
    scripted = save_model(tmp_path / "scripted.pth", tmp_path / "s")

    assert (weights.flavor, weights.format) == ("pytorch", "state_dict")
    assert (scripted.flavor, scripted.format) == ("pytorch", "torchscript")
    assert set(load_model_dir(tmp_path / "w")) == {"linear.weight", "linear.bias"}


# ONNX ------------------------------------------------------------------------


def tiny_onnx() -> onnx.ModelProto:
    """y = x @ W + b, with a symbolic batch dimension."""
    weight = helper.make_tensor("W", TensorProto.FLOAT, [4, 2], np.arange(8, dtype=np.float32))
    bias = helper.make_tensor("b", TensorProto.FLOAT, [2], [0.5, -0.5])
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "b"], ["y"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
        initializer=[weight, bias],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def run_onnx(model: onnx.ModelProto | onnxruntime.InferenceSession, rows: Any) -> Any:
    session = (
        model
        if isinstance(model, onnxruntime.InferenceSession)
        else onnxruntime.InferenceSession(
            model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
    )
    return session.run(None, {"x": rows})[0]


def test_onnx_round_trip(tmp_path: Path, rows: Any) -> None:
    model = tiny_onnx()
    expected = run_onnx(model, rows)

    saved = save_model(model, tmp_path / "m")
    proto = load_model_dir(tmp_path / "m")
    session = load_model_dir(tmp_path / "m", session=True)

    check_manifest(tmp_path / "m", saved, "onnx", "onnx")
    assert saved.files == ("model.onnx", MANIFEST)
    assert saved.frameworks["onnx"] == onnx.__version__
    assert saved.signature == {
        "inputs": [{"name": "x", "dtype": "float32", "shape": [-1, 4]}],
        "outputs": [{"name": "y", "dtype": "float32", "shape": [-1, 2]}],
    }
    assert proto == model
    np.testing.assert_array_equal(run_onnx(proto, rows), expected)
    np.testing.assert_array_equal(run_onnx(session, rows), expected)


def test_an_onnx_file_path_is_copied(tmp_path: Path, rows: Any) -> None:
    onnx.save_model(tiny_onnx(), str(tmp_path / "net.onnx"))

    saved = save_model(tmp_path / "net.onnx", tmp_path / "m")

    assert saved.flavor == "onnx"
    assert saved.signature["inputs"][0]["shape"] == [-1, 4]
    np.testing.assert_array_equal(
        run_onnx(load_model_dir(tmp_path / "m"), rows), run_onnx(tiny_onnx(), rows)
    )


# XGBoost ---------------------------------------------------------------------


def test_xgboost_booster_round_trip(tmp_path: Path, rows: Any, labels: Any) -> None:
    params = {"max_depth": 2, "objective": "binary:logistic", "nthread": 1}
    booster = xgboost.train(params, xgboost.DMatrix(rows, label=labels), num_boost_round=3)

    saved = save_model(booster, tmp_path / "m", input_example=rows[:2])
    loaded = load_model_dir(tmp_path / "m")

    check_manifest(tmp_path / "m", saved, "xgboost", "ubj")
    assert saved.files == ("model.ubj", MANIFEST)
    assert saved.frameworks["xgboost"] == xgboost.__version__
    assert saved.model_class == "xgboost.core.Booster"
    assert saved.signature == {
        "inputs": [{"name": "X", "dtype": "float32", "shape": [-1, 4]}],
        "outputs": [{"name": "output", "dtype": "float32", "shape": [-1]}],
    }
    assert isinstance(loaded, xgboost.Booster)
    np.testing.assert_array_equal(
        loaded.predict(xgboost.DMatrix(rows)), booster.predict(xgboost.DMatrix(rows))
    )


@pytest.mark.parametrize("serialization", ["ubj", "json"])
def test_xgb_classifier_round_trip(
    tmp_path: Path, rows: Any, labels: Any, serialization: str
) -> None:
    model = xgboost.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1).fit(rows, labels)

    saved = save_model(model, tmp_path / "m", serialization=serialization)
    loaded = load_model_dir(tmp_path / "m")

    check_manifest(tmp_path / "m", saved, "xgboost", serialization)
    assert saved.model_class == "xgboost.sklearn.XGBClassifier"
    assert saved.signature == {
        "inputs": [{"name": "X", "dtype": None, "shape": [-1, 4]}],
        "outputs": [],
    }
    assert type(loaded) is xgboost.XGBClassifier
    np.testing.assert_array_equal(loaded.predict(rows), model.predict(rows))
    np.testing.assert_array_equal(loaded.predict_proba(rows), model.predict_proba(rows))


def test_a_manifest_naming_a_foreign_class_is_refused(tmp_path: Path, rows: Any) -> None:
    booster = xgboost.train({"nthread": 1}, xgboost.DMatrix(rows, label=rows[:, 0]), 1)
    save_model(booster, tmp_path / "m")
    body = manifest_of(tmp_path / "m")
    body["model_class"] = "os.system"
    (tmp_path / "m" / MANIFEST).write_text(json.dumps(body))

    with pytest.raises(InvalidValueError, match=r"only xgboost\.Booster"):
        load_model_dir(tmp_path / "m")


# LightGBM --------------------------------------------------------------------


def test_lightgbm_booster_round_trip(tmp_path: Path, rows: Any) -> None:
    params = {"objective": "regression", "min_data_in_leaf": 2, "verbose": -1, "num_threads": 1}
    booster = lightgbm.train(
        params, lightgbm.Dataset(rows, label=rows[:, 0].copy()), num_boost_round=3
    )

    saved = save_model(booster, tmp_path / "m")
    loaded = load_model_dir(tmp_path / "m")

    check_manifest(tmp_path / "m", saved, "lightgbm", "text")
    assert saved.files == ("model.txt", MANIFEST)
    assert saved.frameworks["lightgbm"] == lightgbm.__version__
    assert saved.model_class == "lightgbm.basic.Booster"
    assert saved.signature == {
        "inputs": [{"name": "X", "dtype": None, "shape": [-1, 4]}],
        "outputs": [],
    }
    np.testing.assert_array_equal(loaded.predict(rows), booster.predict(rows))


def test_lgbm_regressor_comes_back_as_its_booster(tmp_path: Path, rows: Any) -> None:
    model = lightgbm.LGBMRegressor(n_estimators=3, min_child_samples=2, verbose=-1, n_jobs=1).fit(
        rows, rows[:, 1].copy()
    )

    saved = save_model(model, tmp_path / "m", input_example=rows[:2])
    loaded = load_model_dir(tmp_path / "m")

    check_manifest(tmp_path / "m", saved, "lightgbm", "text")
    assert saved.model_class == "lightgbm.sklearn.LGBMRegressor"
    assert saved.signature["outputs"] == [{"name": "output", "dtype": "float64", "shape": [-1]}]
    assert isinstance(loaded, lightgbm.Booster)
    np.testing.assert_array_equal(loaded.predict(rows), model.predict(rows))


# directory -------------------------------------------------------------------


def test_directory_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "hf-model"
    (source / "tokenizer").mkdir(parents=True)
    (source / "config.json").write_text('{"layers": 2}')
    (source / "tokenizer" / "vocab.txt").write_text("a\nb\n")
    (source / MANIFEST).write_text("not ours")

    saved = save_model(source, tmp_path / "m")
    loaded = load_model_dir(tmp_path / "m")

    check_manifest(tmp_path / "m", saved, "directory", "files")
    assert saved.files == (
        "files/config.json",
        "files/tokenizer/vocab.txt",
        f"files/{MANIFEST}",
        MANIFEST,
    )
    assert loaded == tmp_path / "m" / "files"
    assert (loaded / "tokenizer" / "vocab.txt").read_text() == "a\nb\n"
    assert (loaded / MANIFEST).read_text() == "not ours"


def test_a_single_file_with_flavor_directory_is_kept_as_is(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"\x00\x01")

    saved = save_model(tmp_path / "weights.bin", tmp_path / "m", flavor="directory")
    loaded = load_model_dir(tmp_path / "m")

    assert (saved.flavor, saved.format) == ("directory", "file")
    assert saved.files == ("files/weights.bin", MANIFEST)
    assert loaded == tmp_path / "m" / "files" / "weights.bin"
    assert loaded.read_bytes() == b"\x00\x01"


def test_a_pickle_file_path_with_flavor_sklearn_records_the_risk(
    tmp_path: Path, rows: Any, labels: Any
) -> None:
    model = LogisticRegression().fit(rows, labels)
    (tmp_path / "clf.pkl").write_bytes(pickle.dumps(model))

    saved = save_model(tmp_path / "clf.pkl", tmp_path / "m", flavor="sklearn")

    assert (saved.format, saved.risks) == ("pickle", (PICKLE_RISK,))
    np.testing.assert_array_equal(load_model_dir(tmp_path / "m").predict(rows), model.predict(rows))

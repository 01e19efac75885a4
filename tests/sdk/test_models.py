"""run.log_model and trackrecord.load_model through a store, with the real libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import trackrecord
from trackrecord.errors import InvalidValueError, StoreError

X = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)


def _sklearn() -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(X, Y)
    return model, lambda m: m.predict_proba(X)


def _xgboost() -> tuple[Any, Any]:
    import xgboost

    model = xgboost.XGBClassifier(n_estimators=3, max_depth=2).fit(X, Y)
    return model, lambda m: m.predict_proba(X)


def _lightgbm() -> tuple[Any, Any]:
    import lightgbm

    data = lightgbm.Dataset(X, label=Y, params={"verbose": -1})
    model = lightgbm.train({"objective": "binary", "verbose": -1, "num_leaves": 4}, data, 3)
    return model, lambda m: m.predict(X)


def _torch() -> tuple[Any, Any]:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))

    def predict(m: Any) -> Any:
        if isinstance(m, dict):  # a state dict: load it into a fresh module of the same shape
            fresh = torch.nn.Sequential(
                torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)
            )
            fresh.load_state_dict(m)
            m = fresh
        with torch.no_grad():
            return m(torch.from_numpy(X)).numpy()

    return model, predict


def _onnx() -> tuple[Any, Any]:
    import onnx
    from onnx import TensorProto, helper

    weights = helper.make_tensor("w", TensorProto.FLOAT, [4, 1], [0.5, -1.0, 2.0, 0.25])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 1])], [weights],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)

    def predict(m: Any) -> Any:
        import onnxruntime

        session = onnxruntime.InferenceSession(
            m.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        return session.run(None, {"x": X})[0]

    return model, predict


FLAVORS = {"sklearn": _sklearn, "xgboost": _xgboost, "lightgbm": _lightgbm,
           "pytorch": _torch, "onnx": _onnx}  # fmt: skip


@pytest.mark.parametrize("flavor", sorted(FLAVORS))
def test_every_flavor_round_trips_through_the_store_and_the_registry(
    flavor: str, tmp_path: Path
) -> None:
    model, predict = FLAVORS[flavor]()
    store = tmp_path / "store"
    with trackrecord.init("p", dir=store, capture=False) as run:
        logged = run.log_model(model, "m", input_example=X[:2], register="reg")
    assert logged.flavor == flavor
    api = trackrecord.Api(dir=store)
    (stored,) = api.logged_models(run.id)
    assert stored.digest == logged.digest and stored.meta["frameworks"]
    version = api.model_version("reg", 1)
    assert version.digest == logged.digest and version.run_id == run.id
    expected = predict(model)
    for uri in (f"runs:/{run.id}/m", "models:/reg/1"):
        np.testing.assert_allclose(predict(api.load_model(uri)), expected, rtol=1e-6)
    api.set_alias("reg", "champion", 1)
    again = trackrecord.load_model("models:/reg@champion", dir=store)
    np.testing.assert_allclose(predict(again), expected, rtol=1e-6)


def test_a_directory_model_comes_back_as_its_files(tmp_path: Path) -> None:
    folder = tmp_path / "artefacts"
    (folder / "tok").mkdir(parents=True)
    (folder / "weights.bin").write_bytes(b"\x00\x01" * 100)
    (folder / "tok" / "vocab.txt").write_text("a\nb\n")
    with trackrecord.init("p", dir=tmp_path / "store", capture=False) as run:
        run.log_model(folder, "llm")
    loaded = trackrecord.Api(dir=tmp_path / "store").load_model(f"runs:/{run.id}/llm",
                                                                  tmp_path / "out")  # fmt: skip
    assert (Path(loaded) / "tok" / "vocab.txt").read_text() == "a\nb\n"
    assert (Path(loaded) / "weights.bin").read_bytes() == b"\x00\x01" * 100


def test_altered_stored_bytes_are_refused_before_loading(tmp_path: Path) -> None:
    model, _ = _sklearn()
    store = tmp_path / "store"
    with trackrecord.init("p", dir=store, capture=False) as run:
        logged = run.log_model(model, "m")
    api = trackrecord.Api(dir=store)
    weights = next(f for f in logged.files if f["path"].endswith(".skops"))
    blob = next((store / "artifacts").rglob(weights["sha256"]))
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes()[:-1] + b"!")
    with pytest.raises(StoreError, match="do not match"):
        api.load_model(f"runs:/{run.id}/m", tmp_path / "out")


def test_bad_uris_and_unknown_models_say_what_to_write(tmp_path: Path) -> None:
    with (
        trackrecord.init("p", dir=tmp_path / "store", capture=False) as run,
        pytest.raises(InvalidValueError, match="flavor"),
    ):
        run.log_model(object(), "m")
    api = trackrecord.Api(dir=tmp_path / "store")
    with pytest.raises(InvalidValueError, match="models:/NAME"):
        api.load_model("s3://x/y")
    with pytest.raises(trackrecord.NotFoundError):
        api.load_model(f"runs:/{run.id}/nothing")

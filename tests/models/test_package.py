"""Flavor detection, manifests and the errors of save_model and load_model_dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost
from sklearn.linear_model import LinearRegression

import trackrecord.models
from trackrecord.errors import ConfigurationError, InvalidValueError, NotFoundError
from trackrecord.models import (
    FLAVORS,
    MANIFEST,
    SavedModel,
    detect_flavor,
    framework_versions,
    load_model_dir,
    package,
    save_model,
    signature,
)

HEAVY = ["numpy", "sklearn", "skops", "torch", "onnx", "onnxruntime", "xgboost", "lightgbm"]


@pytest.fixture
def saved_dir(tmp_path: Path) -> Path:
    model = LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0])
    save_model(model, tmp_path / "m")
    return tmp_path / "m"


def test_all_reexports_the_public_names() -> None:
    names = {*package.__all__, *signature.__all__} - {"Signature", "TensorSpec"}
    assert set(trackrecord.models.__all__) == names
    assert FLAVORS == ("sklearn", "pytorch", "onnx", "xgboost", "lightgbm", "directory")


def test_importing_models_loads_no_ml_library() -> None:
    src = Path(trackrecord.models.__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), *sys.path])}
    script = "import trackrecord.models, sys, json; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert [name for name in HEAVY if name in loaded] == []


def test_detect_flavor_by_type(rows: Any, labels: Any) -> None:
    import lightgbm
    import torch

    assert detect_flavor(LinearRegression()) == "sklearn"
    assert detect_flavor(torch.nn.Linear(2, 1)) == "pytorch"
    # These are scikit-learn estimators too; their own flavor wins.
    assert detect_flavor(xgboost.XGBRegressor()) == "xgboost"
    assert detect_flavor(lightgbm.LGBMClassifier()) == "lightgbm"


def test_detect_flavor_by_path(tmp_path: Path) -> None:
    for name in ("a.onnx", "b.pt", "c.pth", "d.ubj", "e.skops", "f.bin", "g.json"):
        (tmp_path / name).write_bytes(b"{}")
    booster = xgboost.train({"nthread": 1}, xgboost.DMatrix(np.eye(3), label=[0, 1, 0]), 1)
    booster.save_model(str(tmp_path / "xgb.json"))

    assert detect_flavor(tmp_path) == "directory"
    assert detect_flavor(str(tmp_path / "a.onnx")) == "onnx"
    assert detect_flavor(tmp_path / "b.pt") == detect_flavor(tmp_path / "c.pth") == "pytorch"
    assert detect_flavor(tmp_path / "d.ubj") == detect_flavor(tmp_path / "xgb.json") == "xgboost"
    assert detect_flavor(tmp_path / "e.skops") == "sklearn"
    for ambiguous in ("f.bin", "g.json"):
        with pytest.raises(InvalidValueError, match="Pass flavor= one of sklearn, pytorch"):
            detect_flavor(tmp_path / ambiguous)
    with pytest.raises(InvalidValueError, match="does not exist"):
        detect_flavor(tmp_path / "missing.onnx")


def test_an_unknown_model_lists_the_flavors_and_suggests_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError) as caught:
        save_model({"weights": [1, 2]}, tmp_path / "m")

    message = str(caught.value)
    assert "No flavor saves a dict" in message
    assert ", ".join(FLAVORS) in message
    assert "flavor='directory'" in message


def test_unknown_flavor_and_serialization_list_the_choices(tmp_path: Path) -> None:
    model = LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])

    with pytest.raises(InvalidValueError, match="allowed are sklearn, pytorch"):
        save_model(model, tmp_path / "a", flavor="keras")
    with pytest.raises(InvalidValueError, match="allowed are 'skops', 'pickle'"):
        save_model(model, tmp_path / "b", serialization="joblib")


def test_a_flavor_that_does_not_fit_the_model_says_which_would(tmp_path: Path) -> None:
    model = LinearRegression()
    with pytest.raises(InvalidValueError, match="it looks like flavor='sklearn'"):
        save_model(model, tmp_path / "m", flavor="pytorch")


def test_a_failed_save_leaves_no_files_behind(tmp_path: Path) -> None:
    model = LinearRegression().fit([[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0])
    (tmp_path / "empty").mkdir()

    for target in (tmp_path / "new", tmp_path / "empty"):
        with pytest.raises(InvalidValueError, match="input_example could not be run"):
            save_model(model, target, input_example=np.zeros((2, 5)))

    assert not (tmp_path / "new").exists()
    assert list((tmp_path / "empty").iterdir()) == []


def test_save_model_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("x")
    with pytest.raises(ConfigurationError, match="not an empty directory"):
        save_model(LinearRegression().fit([[0.0]], [0.0]), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["other.txt"]


def test_the_manifest_on_disk_is_the_saved_model(saved_dir: Path) -> None:
    body = json.loads((saved_dir / MANIFEST).read_text())

    assert body["manifest_version"] == 1
    assert SavedModel.from_dict(body).to_dict() == {
        k: v for k, v in body.items() if k != "manifest_version"
    }
    assert body["files"] == ["model.skops", MANIFEST]


def test_a_directory_without_manifest_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=f"holds no {MANIFEST}"):
        load_model_dir(tmp_path)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"flavor": "sklearn"}', "lacks the field"),
        ('{"flavor": "sklearn", "format": "skops", "files": ["../etc/passwd"]}', "relative path"),
        ('{"flavor": "sklearn", "format": 3, "files": []}', "not a non-empty string"),
    ],
)
def test_a_corrupt_manifest_says_it_is_damaged(tmp_path: Path, content: str, why: str) -> None:
    (tmp_path / MANIFEST).write_text(content)
    with pytest.raises(InvalidValueError, match=f"is damaged: .*{why}"):
        load_model_dir(tmp_path)


def test_a_missing_model_file_is_named(saved_dir: Path) -> None:
    (saved_dir / "model.skops").unlink()
    with pytest.raises(NotFoundError, match=r"lacks the file\(s\) \['model.skops'\]"):
        load_model_dir(saved_dir)


def test_a_manifest_from_a_newer_trackrecord_asks_for_an_upgrade(saved_dir: Path) -> None:
    body = json.loads((saved_dir / MANIFEST).read_text())
    (saved_dir / MANIFEST).write_text(json.dumps({**body, "manifest_version": 99}))
    with pytest.raises(InvalidValueError, match="Upgrade TrackRecord"):
        load_model_dir(saved_dir)


def test_an_unknown_load_option_lists_the_allowed_ones(saved_dir: Path) -> None:
    with pytest.raises(InvalidValueError, match="allowed are: trusted"):
        load_model_dir(saved_dir, session=True)


def test_framework_versions_skip_packages_that_are_not_installed() -> None:
    versions = framework_versions("xgboost", "no-such-package-here")

    assert versions["python"] == sys.version.split()[0]
    assert versions["numpy"] == np.__version__
    assert versions["xgboost"] == xgboost.__version__
    assert "no-such-package-here" not in versions

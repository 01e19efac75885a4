"""Fixtures of the sign-off tests: a store with a registered model, a dataset file, an
evaluation, and a keys directory of this test's own."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from sklearn.linear_model import LogisticRegression

import trackrecord
from trackrecord.cli.keys import keys


@dataclass(frozen=True)
class Recorded:
    """What the fixture recorded: the store, the keys dir, ids, and the dataset file."""

    store: Path
    keys_dir: Path
    train_run: str
    evaluation_id: str
    evaluation_run: str
    data_file: Path

    def api(self) -> trackrecord.Api:
        return trackrecord.Api(dir=self.store)


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    data["y"] = (data.x1 + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return data


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """Model 'credit' version 1, trained on a CSV file, evaluated once (no criteria); built
    once, copied for each test (training and evaluating take a second or two)."""
    root = tmp_path_factory.mktemp("signing")
    store = root / "store"
    train = _frame(200, 0)
    data_file = root / "train.csv"
    train.to_csv(data_file, index=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRACKRECORD_DIR", str(store))
        with trackrecord.init("credit", capture=False) as run:
            run.log_dataset(str(data_file), "train")
            model = LogisticRegression().fit(train[["x1", "x2"]], train["y"])
            run.log_model(model, "clf", register="credit")
        evaluation = trackrecord.evaluate(
            model, model_version="models:/credit/1", reference=_frame(100, 1), label="y",
            n_resamples=20, seed=1,
        )  # fmt: skip
    with trackrecord.Api(dir=store) as api:
        evaluation_run = api.evaluation(evaluation.id).run_id
    return Recorded(store, root / "keys", run.id, evaluation.id, evaluation_run, data_file)


@pytest.fixture
def recorded(template: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """This test's own copy of the template store, and its own keys directory."""
    store, keys_dir = tmp_path / "store", tmp_path / "keys"
    shutil.copytree(template.store, store)
    monkeypatch.setenv("TRACKRECORD_DIR", str(store))
    monkeypatch.setenv("TRACKRECORD_KEYS_DIR", str(keys_dir))
    return dataclasses.replace(template, store=store, keys_dir=keys_dir)


def invoke(command: object, args: list[str]) -> Result:
    """Run a click command; exceptions other than exits propagate."""
    result = CliRunner().invoke(command, args, catch_exceptions=False)  # type: ignore[arg-type]
    return result


def create_key(user: str) -> str:
    """Create a key for *user* with the CLI; return its id."""
    result = invoke(keys, ["create", "--user", user])
    assert result.exit_code == 0, result.output
    return result.output.split()[2]

"""A store recorded with the real SDK, holding every kind of record the verifier checks."""

from __future__ import annotations

import dataclasses
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import trackrecord
from tests.contrib.verifier import load
from trackrecord.archive import export_archive
from trackrecord.signing import export_public_pem, generate_key, sign, signoffs_of
from trackrecord.store.sql.audit import SqlAuditLog

ACC = [math.nan, math.inf, -math.inf, 0.5, -0.0]


@dataclass(frozen=True)
class Recorded:
    """The store, an export of its runs, the signer's public key, and the ids in them."""

    store: Path
    archive: Path
    public_key: Path
    run: str
    evaluation_run: str
    evaluation: str

    @property
    def db(self) -> Path:
        return self.store / "trackrecord.db"


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    data["y"] = (data.x1 + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return data


def _train(run: trackrecord.Run, root: Path) -> LogisticRegression:
    """Metrics in every shape the codec has, params, an artifact, a dataset, a model."""
    for i in range(33_000):  # a sealed chunk with a level of detail, then a small one
        run.log({"loss": 1 / (i + 1)}, step=i)
    run.flush()
    for batch in range(20):  # small batches: small chunks, merged eight at a time
        for step in range(batch * 3, batch * 3 + 3):
            run.log({"acc": ACC[step % len(ACC)]}, step=step * step)
        run.flush()
    for i in range(200):  # steps logged out of order: the level of detail sorts them
        run.log({"reverse": float(i % 7)}, step=1000 - i)
    run.log_params({"limit": math.inf, "note": "é\n\x01 ☃"})
    run.set_tags({"stage": "audit"})
    train = _frame(200, 0)
    train.to_csv(root / "train.csv", index=False)
    run.log_dataset(str(root / "train.csv"), "train")
    (root / "report.txt").write_text("the report\n")
    run.log_artifact(root / "report.txt")
    model = LogisticRegression().fit(train[["x1", "x2"]], train["y"])
    run.log_model(model, "clf", register="credit")
    return model


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """Built once (a few seconds); each test gets its own copy."""
    root = tmp_path_factory.mktemp("record")
    store = root / "store"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRACKRECORD_DIR", str(store))
        config = {"lr": 0.01, "eps": math.nan, "layers": [64, 32]}
        with trackrecord.init("credit", config=config, capture=False) as run:
            model = _train(run, root)
        evaluation = trackrecord.evaluate(
            model, model_version="models:/credit/1", reference=_frame(100, 1), label="y",
            n_resamples=20, seed=1,
        )  # fmt: skip
    with trackrecord.Api(dir=store) as api:
        key = generate_key(root / "keys")
        signoffs_of(api.store).register_key("ada", key.public_key)
        evaluation_run = api.evaluation(evaluation.id).run_id
        for target, meaning in [
            ("models:/credit/1", "approve"),
            (f"evaluation:{evaluation.id}", "review"),
            (f"run:{run.id}", "test"),
        ]:
            sign(api.store, target, key.id, meaning, root / "keys")
        api.require_signoffs("credit", "production", 1)
        api.set_alias("credit", "production", 1, reason="approved by ada")
        audit = SqlAuditLog(api.store.database)  # what a server records, here by hand
        for action in ("tokens.create", "runs.append_events", "models.set_alias"):
            audit.append("alice", action, run.id, "10.0.0.7", 200)
        export_archive(api.store, [run.id, evaluation_run], root / "runs.tar")
    (root / "ada.pem").write_text(export_public_pem(key.public_key))
    return Recorded(store, root / "runs.tar", root / "ada.pem", run.id, evaluation_run,
                    evaluation.id)  # fmt: skip


@pytest.fixture
def recorded(template: Recorded, tmp_path: Path) -> Recorded:
    """This test's own copy of the store and the archive, to tamper with."""
    shutil.copytree(template.store, tmp_path / "store")
    shutil.copy(template.archive, tmp_path / "runs.tar")
    return dataclasses.replace(template, store=tmp_path / "store", archive=tmp_path / "runs.tar")


@pytest.fixture(scope="session")
def verifier() -> ModuleType:
    return load()

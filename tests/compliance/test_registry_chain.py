"""The registry's history is a hash chain: altering or removing an entry is detected."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

import trackrecord


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    frame = pd.DataFrame({"x": [0.0, 1.0], "y": [0, 1]})
    store = tmp_path / "store"
    with trackrecord.init("p", dir=store, capture=False) as run:
        run.log_model(DummyClassifier().fit(frame[["x"]], frame["y"]), "clf", register="m")
    api = trackrecord.Api(dir=store)
    api.set_alias("m", "champion", 1, reason="first")
    api.set_alias("m", "prod", 1, reason="rollout")
    api.close()
    return store


def test_an_intact_history_verifies(registry: Path) -> None:
    assert trackrecord.Api(dir=registry).verify_registry("m") == []


def test_a_rewritten_reason_breaks_the_chain_at_that_event(registry: Path) -> None:
    with sqlite3.connect(registry / "trackrecord.db") as db:
        db.execute(
            "UPDATE registry_events SET body = replace(body, 'rollout', 'nothing') "
            "WHERE model = 'm' AND type = 'alias.set' AND body LIKE '%rollout%'"
        )
    (problem,) = trackrecord.Api(dir=registry).verify_registry("m")
    assert "registry event 4" in problem and "does not match its hash" in problem


def test_a_removed_event_is_detected(registry: Path) -> None:
    with sqlite3.connect(registry / "trackrecord.db") as db:
        db.execute("DELETE FROM registry_events WHERE model = 'm' AND seq = 3")
    (problem,) = trackrecord.Api(dir=registry).verify_registry("m")
    assert "event 3 is missing" in problem

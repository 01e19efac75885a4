"""Fixtures for the SDK tests: a store per test, runs that always end, verified records."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import trackrecord
from tests.gitrepo import isolate_git, make_repo
from trackrecord.sdk import active

StartRun = Callable[..., trackrecord.Run]
OpenApi = Callable[[], trackrecord.Api]
Verified = Callable[[str], trackrecord.VerifyResult]


def _finish_leftovers() -> None:
    """End runs a test left unfinished, so they cannot leak into the next test."""
    for run in list(reversed(active._runs)):
        with contextlib.suppress(trackrecord.TrackRecordError):
            run.finish()  # the test that left it has failed or passed on its own terms
    active._runs.clear()


@pytest.fixture(autouse=True)
def no_leftover_runs() -> Iterator[None]:
    """Every test starts and ends with no active run."""
    _finish_leftovers()
    yield
    _finish_leftovers()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """This test's own store directory (created by the first run)."""
    return tmp_path / "store"


@pytest.fixture
def start(store: Path) -> StartRun:
    """``trackrecord.init`` on this test's store, with capture off unless asked for."""

    def start_run(project: str = "tests", **kwargs: Any) -> trackrecord.Run:
        kwargs.setdefault("dir", store)
        kwargs.setdefault("capture", False)
        return trackrecord.init(project, **kwargs)

    return start_run


@pytest.fixture
def open_api(store: Path) -> Iterator[OpenApi]:
    """Open an Api on this test's store (opened late: the store exists after the first run)."""
    opened: list[trackrecord.Api] = []

    def open_() -> trackrecord.Api:
        api = trackrecord.Api(dir=store)
        opened.append(api)
        return api

    yield open_
    for api in opened:
        api.close()


@pytest.fixture
def verified(open_api: OpenApi) -> Verified:
    """Assert that a run's record verifies (chain, views and artifact bytes); return the result."""

    def check(run_id: str) -> trackrecord.VerifyResult:
        result = open_api().verify(run_id)
        assert result.ok, str(result)
        assert result.events >= 2  # at least run.start and run.end
        return result

    return check


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real repository (branch main, one commit of train.py), isolated from user config."""
    isolate_git(monkeypatch, tmp_path)
    return make_repo(tmp_path / "repo")

"""Fixtures for the SDK tests: a store per test, runs that always end, verified records."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import trackrecord
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


def git(repo: Path, *args: str) -> str:
    """Run git in *repo*; fail the test if git fails."""
    done = subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real repository (branch main, one commit of train.py), isolated from user config."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Author")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "author@example.com")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch=main")
    (root / "train.py").write_text("lr = 0.1\nepochs = 3\n")
    git(root, "add", "train.py")
    git(root, "commit", "--quiet", "-m", "first")
    return root

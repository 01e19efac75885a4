"""What init records about the environment: git, diff, Python, packages, system, variables."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest

import trackrecord
from tests.gitrepo import git

from .conftest import OpenApi, StartRun, Verified


def test_capture_in_a_git_repository_with_an_uncommitted_change(
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    start: StartRun,
    open_api: OpenApi,
    verified: Verified,
) -> None:
    (git_repo / "train.py").write_text("lr = 0.5\nepochs = 3\n")
    monkeypatch.chdir(git_repo)
    with start(capture=True) as run:
        run.log({"loss": 1.0})
    api = open_api()
    environment = api.environment(run.id)

    assert environment["git"]["commit"] == git(git_repo, "rev-parse", "HEAD")
    assert environment["git"]["branch"] == "main"
    assert environment["git"]["dirty"] is True
    assert environment["python"]["version"] == platform.python_version()
    assert "numpy" in environment["packages"]
    assert environment["packages"]["trackrecord"] == trackrecord.__version__
    assert environment["os"]["system"] == platform.system()
    assert environment["host"]["hostname"]
    assert environment["cpu"]["logical_count"] >= 1
    assert environment["memory"]["total_bytes"] > 0
    assert environment["command"]["cwd"] == str(git_repo)

    with api.open_artifact(run.id, "code/uncommitted.diff") as handle:
        diff = handle.read().decode()
    assert "+lr = 0.5" in diff
    assert "-lr = 0.1" in diff
    verified(run.id)


def test_a_clean_tree_records_no_diff(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch, start: StartRun, open_api: OpenApi
) -> None:
    monkeypatch.chdir(git_repo)
    with start(capture=True) as run:
        pass
    api = open_api()
    assert api.environment(run.id)["git"]["dirty"] is False
    assert api.artifacts(run.id) == []


def test_only_the_listed_environment_variables_are_recorded(
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    start: StartRun,
    open_api: OpenApi,
    verified: Verified,
) -> None:
    secret = "sk-live-4f9d8e7c6b5a-do-not-record"
    monkeypatch.setenv("MY_VAR", "visible-value")
    monkeypatch.setenv("MY_API_TOKEN", secret)
    monkeypatch.chdir(git_repo)
    with start(capture=trackrecord.Capture(env_vars=("MY_VAR", "UNSET_VAR_X"))) as run:
        pass
    api = open_api()
    environment = api.environment(run.id)
    assert environment["env"] == {"MY_VAR": "visible-value", "UNSET_VAR_X": None}
    assert secret not in json.dumps(environment)
    assert all(secret not in json.dumps(dict(e.body)) for e in api.events(run.id))
    verified(run.id)


def test_parts_can_be_switched_off(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch, start: StartRun, open_api: OpenApi
) -> None:
    (git_repo / "train.py").write_text("changed\n")
    monkeypatch.chdir(git_repo)
    capture = trackrecord.Capture(diff=False, packages=False, system=False, command=False)
    with start(capture=capture) as run:
        pass
    api = open_api()
    assert set(api.environment(run.id)) == {"git"}
    assert api.artifacts(run.id) == []  # no diff


def test_capture_false_records_no_environment(
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    start: StartRun,
    open_api: OpenApi,
    verified: Verified,
) -> None:
    (git_repo / "train.py").write_text("changed\n")
    monkeypatch.chdir(git_repo)
    with start(capture=False) as run:
        run.log({"loss": 1.0})
    api = open_api()
    assert api.environment(run.id) == {}
    assert "environment" not in [e.type for e in api.events(run.id)]
    assert api.artifacts(run.id) == []
    verified(run.id)


def test_outside_a_repository_git_is_an_error_entry_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: StartRun, open_api: OpenApi
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    monkeypatch.chdir(tmp_path / "plain")
    with start(capture=trackrecord.Capture(packages=False)) as run:
        run.log({"loss": 1.0})
    api = open_api()
    assert "error" in api.environment(run.id)["git"]
    assert api.run(run.id).status == "finished"


def test_a_bad_capture_argument_raises(start: StartRun) -> None:
    with pytest.raises(trackrecord.ConfigurationError, match="capture="):
        start(capture="yes")
    with pytest.raises(trackrecord.ConfigurationError, match="env_vars"):
        trackrecord.Capture(env_vars="MY_VAR")  # type: ignore[arg-type]

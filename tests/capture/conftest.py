"""Fixtures for the capture tests: real git repositories in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo import isolate_git, make_repo


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the user's git configuration, and any repository above tmp_path, out."""
    isolate_git(monkeypatch, tmp_path.parent)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on branch main with one commit of train.py."""
    return make_repo(tmp_path / "repo")

"""Fixtures for the capture tests: real git repositories in a temporary directory."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Run from a checkout without `pip install -e .`: import trackrecord from src/.
if importlib.util.find_spec("trackrecord") is None:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))


def git(repo: Path, *args: str) -> str:
    """Run git in *repo* and return its stripped output; fail the test if git fails."""
    done = subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the user's git configuration, and any repository above tmp_path, out."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Author")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "author@example.com")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on branch main with one commit of train.py."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch=main")
    (root / "train.py").write_text("lr = 0.1\nepochs = 3\n")
    git(root, "add", "train.py")
    git(root, "commit", "--quiet", "-m", "first")
    return root

"""Real git repositories for tests, isolated from the user's git configuration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def git(repo: Path, *args: str) -> str:
    """Run git in *repo* and return its stripped output; fail the test if git fails."""
    done = subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


def isolate_git(monkeypatch: pytest.MonkeyPatch, ceiling: Path) -> None:
    """Keep the user's git configuration, and any repository above *ceiling*, out."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(ceiling))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Author")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "author@example.com")


def make_repo(root: Path) -> Path:
    """A repository at *root* on branch main with one commit of train.py."""
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch=main")
    (root / "train.py").write_text("lr = 0.1\nepochs = 3\n")
    git(root, "add", "train.py")
    git(root, "commit", "--quiet", "-m", "first")
    return root

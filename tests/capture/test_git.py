from __future__ import annotations

import json
import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from tests.gitrepo import git
from trackrecord.capture import Capture, capture_environment
from trackrecord.capture import git as git_module
from trackrecord.capture.git import GitError, git_diff, git_state, strip_credentials

GIT_ONLY = Capture(git=True, diff=True, packages=False, system=False, command=False)


def test_commit_and_branch_of_a_clean_tree(repo: Path) -> None:
    state = git_state(str(repo))
    assert state["commit"] == git(repo, "rev-parse", "HEAD")
    assert state["branch"] == "main"
    assert state["dirty"] is False
    assert state["untracked"] == []
    assert git_diff(str(repo)) is None


def test_other_branch_is_reported(repo: Path) -> None:
    git(repo, "switch", "--quiet", "-c", "feature/lr-sweep")
    assert git_state(str(repo))["branch"] == "feature/lr-sweep"


def test_unstaged_change_makes_tree_dirty_and_shows_in_diff(repo: Path) -> None:
    (repo / "train.py").write_text("lr = 0.5\nepochs = 3\n")
    assert git_state(str(repo))["dirty"] is True
    diff = git_diff(str(repo))
    assert diff is not None
    assert "-lr = 0.1" in diff
    assert "+lr = 0.5" in diff


def test_diff_holds_staged_and_unstaged_changes_and_applies(repo: Path) -> None:
    (repo / "train.py").write_text("lr = 0.1\nepochs = 30\n")
    git(repo, "add", "train.py")
    (repo / "model.py").write_text("layers = 4\n")
    git(repo, "add", "model.py")
    (repo / "train.py").write_text("lr = 0.2\nepochs = 30\n")
    diff = git_diff(str(repo))
    assert diff is not None
    assert "+epochs = 30" in diff and "+lr = 0.2" in diff and "+layers = 4" in diff
    # The diff must recreate the working tree from the commit.
    git(repo, "reset", "--quiet", "--hard")
    (repo / "run.patch").write_text(diff)
    git(repo, "apply", "run.patch")
    assert (repo / "train.py").read_text() == "lr = 0.2\nepochs = 30\n"


def test_binary_change_is_in_the_diff_as_a_binary_patch(repo: Path) -> None:
    (repo / "weights.bin").write_bytes(bytes(range(256)))
    git(repo, "add", "weights.bin")
    diff = git_diff(str(repo))
    assert diff is not None and "GIT binary patch" in diff


def test_diff_above_the_limit_is_truncated_with_a_marker(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(git_module, "MAX_DIFF_BYTES", 1000)
    (repo / "train.py").write_text("".join(f"line {i}\n" for i in range(5000)))
    diff = git_diff(str(repo))
    assert diff is not None
    assert diff.endswith(git_module.TRUNCATION_MARKER.format(limit=1000))
    assert len(diff) == 1000 + len(git_module.TRUNCATION_MARKER.format(limit=1000))


def test_untracked_files_are_named_not_read(repo: Path) -> None:
    (repo / "notes.txt").write_text("do-not-record-this-content")
    (repo / "outputs").mkdir()
    (repo / "outputs" / "ckpt.pt").write_text("x")
    env = capture_environment(GIT_ONLY, cwd=repo)
    assert env.info["git"]["untracked"] == ["notes.txt", "outputs/"]
    assert env.info["git"]["dirty"] is False  # untracked files alone leave the tree clean
    assert env.diff is None
    assert "do-not-record-this-content" not in json.dumps(env.info)


def test_untracked_names_stop_at_the_limit(repo: Path) -> None:
    for i in range(1005):
        (repo / f"u{i:04}.txt").write_text("")
    state = git_state(str(repo))
    assert len(state["untracked"]) == 1000
    assert state["untracked_count"] == 1005


@pytest.mark.skipif(os.name == "nt", reason="'?' is not allowed in Windows file names")
def test_rename_does_not_spill_into_the_untracked_names(repo: Path) -> None:
    # -z gives a rename's old path as a field of its own; "? old.py" must not
    # be read as the untracked-file entry it looks like.
    (repo / "? old.py").write_text("x = 1\n")
    git(repo, "add", "? old.py")
    git(repo, "commit", "--quiet", "-m", "odd name")
    git(repo, "mv", "? old.py", "fit.py")
    (repo / "scratch.py").write_text("")
    state = git_state(str(repo))
    assert state["dirty"] is True
    assert state["untracked"] == ["scratch.py"]


def test_detached_head_has_no_branch(repo: Path) -> None:
    git(repo, "checkout", "--quiet", "--detach")
    state = git_state(str(repo))
    assert state["branch"] is None
    assert state["commit"] == git(repo, "rev-parse", "HEAD")


def test_repository_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    (tmp_path / "a.py").write_text("")
    state = git_state(str(tmp_path))
    assert state["commit"] is None
    assert state["branch"] == "main"
    assert git_diff(str(tmp_path)) is None


def test_remote_token_is_stripped(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://alice:ghp_SECRET123@github.com/org/x.git")
    env = capture_environment(GIT_ONLY, cwd=repo)
    assert env.info["git"]["remote_url"] == "https://github.com/org/x.git"
    assert "ghp_SECRET123" not in json.dumps(env.info)


def test_origin_is_preferred_over_other_remotes(repo: Path) -> None:
    git(repo, "remote", "add", "backup", "git@backup.example.com:org/x.git")
    git(repo, "remote", "add", "origin", "git@github.com:org/x.git")
    assert git_state(str(repo))["remote_url"] == "git@github.com:org/x.git"


def test_no_remote_gives_none(repo: Path) -> None:
    assert git_state(str(repo))["remote_url"] is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:token@host/x.git", "https://host/x.git"),
        ("http://token@host/x.git", "http://host/x.git"),
        ("https://u:p@ss@host:8443/x.git", "https://host:8443/x.git"),
        ("ssh://git:pw@host/x.git", "ssh://git@host/x.git"),
        ("ssh://git@host/x.git", "ssh://git@host/x.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("https://host/team@2024/x.git", "https://host/team@2024/x.git"),
        ("/srv/git/x.git", "/srv/git/x.git"),
    ],
)
def test_strip_credentials(url: str, expected: str) -> None:
    assert strip_credentials(url) == expected


def test_not_a_repository_is_recorded_not_raised(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        git_state(str(tmp_path))
    env = capture_environment(GIT_ONLY, cwd=tmp_path)
    assert "not a git repository" in env.info["git"]["error"]
    assert env.diff is None
    assert "diff" not in env.info  # no repository is not a failed diff


def test_missing_git_executable_is_recorded_not_raised(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    env = capture_environment(GIT_ONLY, cwd=repo)
    assert "is git installed?" in env.info["git"]["error"]
    assert env.diff is None


@pytest.mark.skipif(os.name == "nt", reason="uses a shell script as a fake git")
def test_hanging_git_is_stopped_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    # Answers the HEAD check at once, then hangs on everything else.
    sleep = shutil.which("sleep")
    fake.write_text(f'#!/bin/sh\n[ "$1" = rev-parse ] && echo abc && exit 0\nexec {sleep} 30\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setattr(git_module, "TIMEOUT_S", 0.3)
    with pytest.raises(GitError, match=r"took longer than 0\.3 s"):
        git_state(str(tmp_path))
    started = time.perf_counter()
    env = capture_environment(GIT_ONLY, cwd=tmp_path)
    assert time.perf_counter() - started < 5  # two timeouts, not two 30 s sleeps
    assert "took longer than 0.3 s" in env.info["git"]["error"]
    assert "took longer than 0.3 s" in env.info["diff"]["error"]
    assert env.diff is None

"""The state of the git work tree a run starts in: commit, branch, remote, changes.

Everything goes through the ``git`` executable with a short timeout, so a huge or
broken repository delays a run by seconds at most and never hangs it.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from typing import Any

__all__ = ["GitError", "git_diff", "git_state", "strip_credentials"]

TIMEOUT_S = 3.0
MAX_DIFF_BYTES = 10 * 1024 * 1024
MAX_UNTRACKED = 1000
TRUNCATION_MARKER = (
    "\n[trackrecord: diff truncated after {limit} bytes; the rest was not captured]\n"
)

# Plain C messages (we report git's stderr) and no lock on the index, so a
# capture never makes the user's own `git commit` fail with "index.lock exists".
_GIT_ENV = {"LC_ALL": "C", "LANGUAGE": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/]*)@")


class GitError(Exception):
    """``git`` is missing, timed out, or exited with an error."""


def strip_credentials(url: str) -> str:
    """Drop the secret part of a remote URL, keeping what identifies the repository.

    ``https://user:token@host/x.git`` and ``http://token@host/x.git`` lose the user
    part entirely; ``ssh://git@host/x.git`` keeps the user name but not a password;
    scp-like ``git@host:org/x.git`` and local paths carry no secret and are kept::

        >>> strip_credentials("https://me:ghp_123@github.com/org/x.git")
        'https://github.com/org/x.git'
    """
    match = _USERINFO.match(url)
    if match is None:
        return url
    scheme, userinfo = match["scheme"], match["userinfo"]
    kept = ""
    if scheme.lower() in ("ssh://", "git+ssh://", "ssh+git://"):
        user = userinfo.partition(":")[0]
        kept = f"{user}@" if user else ""
    return f"{scheme}{kept}{url[match.end() :]}"


def git_state(cwd: str) -> dict[str, Any]:
    """Commit, branch, remote URL, dirty flag and untracked names of the tree at *cwd*.

    Raises :class:`GitError` when *cwd* is not in a repository or git fails::

        >>> git_state(".")["branch"]  # doctest: +SKIP
        'main'
    """
    state = _parse_status(_run_git(cwd, "status", "--porcelain=v2", "--branch", "-z"))
    state["remote_url"] = _remote_url(cwd)
    return state


def git_diff(cwd: str) -> str | None:
    """The uncommitted changes (staged and unstaged) as a patch ``git apply`` accepts.

    ``None`` when the tree is clean, has no commit yet, or is not a repository.
    Above :data:`MAX_DIFF_BYTES` the text is cut and ends with a marker saying so.
    """
    try:
        _run_git(cwd, "rev-parse", "--quiet", "--verify", "HEAD")
    except GitError:
        return None
    args = ("diff", "HEAD", "--binary", "--no-color", "--no-ext-diff", "--no-textconv")
    data, truncated = _read_git(cwd, args, MAX_DIFF_BYTES)
    if not data:
        return None
    text = data.decode("utf-8", errors="replace")
    return text + TRUNCATION_MARKER.format(limit=MAX_DIFF_BYTES) if truncated else text


def _parse_status(output: bytes) -> dict[str, Any]:
    """Read ``git status --porcelain=v2 --branch -z`` output."""
    fields = iter(output.decode("utf-8", errors="replace").split("\0"))
    commit: str | None = None
    branch: str | None = None
    dirty = False
    untracked: list[str] = []
    for field in fields:
        kind, _, rest = field.partition(" ")
        if field.startswith("# branch.oid "):
            commit = None if rest.endswith("(initial)") else field.rsplit(" ", 1)[1]
        elif field.startswith("# branch.head "):
            branch = None if field.endswith("(detached)") else field.split(" ", 2)[2]
        elif kind in ("1", "2", "u"):
            dirty = True
            if kind == "2":  # a rename or copy: its original path follows as its own field
                next(fields, None)
        elif kind == "?":
            untracked.append(rest)
    return {
        "commit": commit,
        "branch": branch,
        "dirty": dirty,
        "untracked": untracked[:MAX_UNTRACKED],
        "untracked_count": len(untracked),
    }


def _remote_url(cwd: str) -> str | None:
    """The URL of ``origin``, else of the first remote, without credentials."""
    try:
        output = _run_git(cwd, "config", "-z", "--get-regexp", r"^remote\..*\.url$")
    except GitError:  # exit status 1: no remote configured
        return None
    urls: dict[str, str] = {}
    for entry in output.decode("utf-8", errors="replace").split("\0"):
        key, _, url = entry.partition("\n")
        if key:
            urls.setdefault(key[len("remote.") : -len(".url")], url)
    if not urls:
        return None
    return strip_credentials(urls.get("origin", next(iter(urls.values()))))


def _run_git(cwd: str, *args: str) -> bytes:
    """Run ``git *args`` in *cwd* and return its output; raise GitError on failure."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} took longer than {TIMEOUT_S} s and was stopped") from exc
    except OSError as exc:
        raise GitError(f"cannot run git ({exc.strerror or exc}); is git installed?") from exc
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        reason = lines[-1].removeprefix("fatal: ") if lines else f"exit status {done.returncode}"
        raise GitError(f"git {args[0]} failed: {reason}")
    return done.stdout


def _read_git(cwd: str, args: tuple[str, ...], limit: int) -> tuple[bytes, bool]:
    """Run git, keep at most *limit* bytes of its output; return them and whether more came.

    Unlike ``subprocess.run`` this never holds more than *limit* bytes in memory.
    """
    try:
        proc = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise GitError(f"cannot run git ({exc.strerror or exc}); is git installed?") from exc
    expired = threading.Event()

    def stop() -> None:
        expired.set()
        proc.kill()

    timer = threading.Timer(TIMEOUT_S, stop)
    timer.start()
    try:
        with proc:
            assert proc.stdout is not None  # stdout=PIPE
            data = proc.stdout.read(limit + 1)
            if len(data) > limit:
                proc.kill()  # we have enough; the rest of the diff is not wanted
            returncode = proc.wait()
    finally:
        timer.cancel()
    if len(data) > limit:
        return data[:limit], True
    if expired.is_set():
        raise GitError(f"git {args[0]} took longer than {TIMEOUT_S} s and was stopped")
    if returncode != 0:
        raise GitError(f"git {args[0]} failed with exit status {returncode}")
    return data, False


def _env() -> dict[str, str]:
    return {**os.environ, **_GIT_ENV}

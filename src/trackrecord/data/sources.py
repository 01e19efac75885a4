"""Where a dataset comes from: references found in real DVC, git-lfs, lakeFS, S3,
Hugging Face and git formats, read from local files and URIs only (no network).

Every reference is a JSON-ready dict with a ``kind``:

========== ==============================================================
kind       found from
========== ==============================================================
dvc        ``<path>.dvc`` beside the data (or beside a tracked parent
           directory), or a ``dvc.lock`` in the data's directory or above
           that lists it as a stage output
git-lfs    a git-lfs pointer file (``pointer: true``: not checked out)
git        the data is inside a git work tree: commit, path, dirty
lakefs     ``lakefs://<repository>/<ref>/<path>``
s3         ``s3://<bucket>/<key>?versionId=<id>``
huggingface ``hf://datasets/<org>/<name>@<revision>/<path>`` or
           ``https://huggingface.co/datasets/<org>/<name>/resolve/<rev>/<path>``
others     any other URI: ``{"kind": <scheme>, "uri": ...}``
========== ==============================================================

A damaged, unreadable or unexpected file is skipped, never raised: a corrupt
``.dvc`` file must not stop training.

Example:
    >>> parse_uri("s3://bucket/train.csv?versionId=3HL4kqtJ")["version_id"]
    '3HL4kqtJ'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from trackrecord.capture.git import GitError, _run_git, strip_credentials

__all__ = ["detect_sources", "parse_uri", "read_lfs_pointer"]

LFS_VERSIONS: Final = ("https://git-lfs.github.com/spec/v1", "https://hawser.github.com/spec/v1")
LFS_POINTER_MAX: Final = 1024
YAML_MAX_BYTES: Final = 16 << 20
MAX_LEVELS: Final = 64
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX40 = re.compile(r"[0-9a-f]{40}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")
_SECRET_QUERY = re.compile(r"signature|token|credential|sig=|key=", re.IGNORECASE)
_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def detect_sources(path: Path | None, uri: str | None) -> list[dict[str, Any]]:
    """The references known for local *path* (git-lfs, DVC, git) and for *uri*.

    Never raises for a damaged file; a *uri* that is not a URI adds nothing.

    Example:
        >>> detect_sources(None, "lakefs://repo/main/train.csv")[0]["ref"]
        'main'
    """
    sources: list[dict[str, Any]] = []
    if path is not None:
        local = os.path.abspath(path)  # not resolve(): DVC links data into its cache
        if os.path.isfile(local) and (pointer := read_lfs_pointer(local)) is not None:
            sources.append(pointer)
        sources.extend(_dvc_sources(local))
        if (git := _git_source(local)) is not None:
            sources.append(git)
    if uri is not None and (parsed := parse_uri(uri)) is not None:
        sources.append(parsed)
    return sources


def read_lfs_pointer(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The git-lfs reference if *path* is a pointer file (spec v1), else None.

    The ``oid`` is the SHA-256 of the real content, which is not on disk.
    """
    try:
        if os.path.getsize(path) >= LFS_POINTER_MAX:
            return None
        with open(path, "rb") as stream:
            text = stream.read(LFS_POINTER_MAX).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.endswith("\n"):
        return None
    fields = dict(line.partition(" ")[::2] for line in text[:-1].split("\n"))
    version, oid, size = fields.get("version"), fields.get("oid", ""), fields.get("size", "")
    if not text.startswith("version ") or version not in LFS_VERSIONS:
        return None
    if not oid.startswith("sha256:") or not _HEX64.fullmatch(oid[7:]) or not size.isdigit():
        return None
    return {"kind": "git-lfs", "oid": oid[7:], "size": int(size), "pointer": True}


def parse_uri(uri: str) -> dict[str, Any] | None:
    """The reference that *uri* names, or None if it is not a URI (a local path).

    Example:
        >>> parse_uri("hf://datasets/org/name@v1.0/data/train.parquet")["revision"]
        'v1.0'
    """
    if not isinstance(uri, str) or not _SCHEME.match(uri):
        return None
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    parser = _PARSERS.get(scheme)
    parsed = parser(parts) if parser is not None else None
    if parsed is None:
        parsed = {"kind": scheme}
    return {**parsed, "uri": _safe_uri(uri)}


def _safe_uri(uri: str) -> str:
    """*uri* without credentials or a signed query (presigned URLs carry secrets)."""
    uri = strip_credentials(uri)
    base, _, query = uri.partition("?")
    return base if _SECRET_QUERY.search(query) else uri


def _s3(parts: Any) -> dict[str, Any]:
    result = {"kind": "s3", "bucket": parts.netloc, "key": parts.path.lstrip("/")}
    version = parse_qs(parts.query).get("versionId")
    if version:
        result["version_id"] = version[0]
    return result


def _lakefs(parts: Any) -> dict[str, Any]:
    ref, _, path = parts.path.lstrip("/").partition("/")
    result = {"kind": "lakefs", "repository": parts.netloc, "ref": unquote(ref), "path": path}
    if _HEX64.fullmatch(ref):  # a lakeFS commit id is 64 hex characters
        result["commit"] = ref
    return result


def _hf(parts: Any) -> dict[str, Any] | None:
    segments = [parts.netloc, *parts.path.split("/")[1:]]
    repo_type = "model"
    if segments[0] in ("datasets", "spaces"):
        repo_type = segments.pop(0)[:-1]
    if not segments or not segments[0]:
        return None
    count = 1 if "@" in segments[0] or len(segments) == 1 else 2
    repo, _, revision = "/".join(segments[:count]).partition("@")
    return _hf_reference(repo_type, repo, unquote(revision) or None, "/".join(segments[count:]))


def _hf_reference(repo_type: str, repo: str, revision: str | None, path: str) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": "huggingface", "repo_type": repo_type, "repo": repo}
    result.update(revision=revision, path=path)
    if revision is not None and _HEX40.fullmatch(revision):
        result["commit"] = revision
    return result


def _https(parts: Any) -> dict[str, Any] | None:
    if parts.netloc.lower() not in ("huggingface.co", "www.huggingface.co"):
        return None
    segments = parts.path.strip("/").split("/")
    repo_type = "model"
    if segments and segments[0] in ("datasets", "spaces"):
        repo_type = segments.pop(0)[:-1]
    if len(segments) < 4 or segments[2] not in ("resolve", "blob", "tree"):
        return None
    repo, revision = "/".join(segments[:2]), unquote(segments[3])
    return _hf_reference(repo_type, repo, revision, "/".join(segments[4:]))


_PARSERS: Final = {"s3": _s3, "lakefs": _lakefs, "hf": _hf, "https": _https, "http": _https}


def _ancestors(path: str) -> Iterator[str]:
    """*path*, then its parents, up to and including a DVC or git root (or ``/``)."""
    current = path
    for _ in range(MAX_LEVELS):
        yield current
        is_root = any(os.path.exists(os.path.join(current, m)) for m in (".dvc", ".git"))
        parent = os.path.dirname(current)
        if parent == current or (is_root and os.path.isdir(current)):
            return
        current = parent


def _load_yaml(path: str) -> Any:
    """A YAML file's content, or None if it is missing, too large or damaged."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > YAML_MAX_BYTES:
            return None
        with open(path, "rb") as stream:
            return yaml.load(stream, Loader=_YamlLoader)  # a safe loader
    except (OSError, yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError):
        return None


def _dvc_sources(path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for level in _ancestors(path):  # data.csv.dvc, or images.dvc for images/cat.png
        found.extend(_from_dvc_file(f"{level}.dvc", level, path))
    start = path if os.path.isdir(path) else os.path.dirname(path)
    for level in _ancestors(start):
        found.extend(_from_dvc_lock(os.path.join(level, "dvc.lock"), path))
    return _unique(found)


def _unique(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for source in sources:
        if source not in seen:
            seen.append(source)
    return seen


def _from_dvc_file(dvcfile: str, tracked: str, target: str) -> list[dict[str, Any]]:
    content = _load_yaml(dvcfile)
    if not isinstance(content, dict):
        return []
    base = os.path.join(os.path.dirname(dvcfile), str(content.get("wdir") or "."))
    found = []
    for out in _outs(content):
        if os.path.normpath(os.path.join(base, out["path"])) == tracked:
            found.append(_dvc_reference(dvcfile, out, tracked, target, None))
    return found


def _from_dvc_lock(lock: str, target: str) -> list[dict[str, Any]]:
    content = _load_yaml(lock)
    stages = content.get("stages") if isinstance(content, dict) else None
    if not isinstance(stages, dict):
        return []
    wdirs = _stage_wdirs(os.path.join(os.path.dirname(lock), "dvc.yaml"))
    found = []
    for name, stage in stages.items():
        if not isinstance(stage, dict):
            continue
        wdir = wdirs.get(str(name).partition("@")[0], ".")
        base = os.path.normpath(os.path.join(os.path.dirname(lock), wdir))
        for out in _outs(stage):
            out_path = os.path.normpath(os.path.join(base, out["path"]))
            if target == out_path or target.startswith(out_path.rstrip(os.sep) + os.sep):
                found.append(_dvc_reference(lock, out, out_path, target, (str(name), stage)))
    return found


def _stage_wdirs(dvc_yaml: str) -> dict[str, str]:
    """The ``wdir`` of each stage in dvc.yaml; lock paths are relative to it."""
    content = _load_yaml(dvc_yaml)
    stages = content.get("stages") if isinstance(content, dict) else None
    if not isinstance(stages, dict):
        return {}
    wdirs: dict[str, str] = {}
    for name, stage in stages.items():
        body = stage.get("do", stage) if isinstance(stage, dict) else None
        if isinstance(body, dict) and isinstance(body.get("wdir"), str):
            wdirs[str(name)] = body["wdir"]
    return wdirs


def _outs(content: dict[Any, Any]) -> list[dict[str, Any]]:
    outs = content.get("outs")
    if not isinstance(outs, list):
        return []
    return [out for out in outs if isinstance(out, dict) and isinstance(out.get("path"), str)]


def _dvc_reference(
    file: str,
    out: dict[str, Any],
    out_path: str,
    target: str,
    stage: tuple[str, dict[str, Any]] | None,
) -> dict[str, Any]:
    md5, size = out.get("md5"), out.get("size")
    reference: dict[str, Any] = {
        "kind": "dvc",
        "file": Path(file).as_posix(),
        "path": out["path"],
        "md5": md5 if isinstance(md5, str) else None,
        "size": size if isinstance(size, int) else None,
        "stage": stage[0] if stage else None,
        "cmd": _command(stage[1]) if stage else None,
    }
    if isinstance(out.get("nfiles"), int):
        reference["nfiles"] = out["nfiles"]
    if target != out_path:  # a file inside a tracked directory
        reference["member"] = Path(os.path.relpath(target, out_path)).as_posix()
    if stage is not None:
        deps = _outs({"outs": stage[1].get("deps")})
        reference["deps"] = [{"path": d["path"], "md5": d.get("md5")} for d in deps[:50]]
    return reference


def _command(body: dict[str, Any]) -> str | None:
    cmd = body.get("cmd")
    if isinstance(cmd, list):
        return " && ".join(str(part) for part in cmd)
    return cmd if isinstance(cmd, str) else None


def _git_source(path: str) -> dict[str, Any] | None:
    """The commit the data's work tree is at and whether the data differs from it."""
    root = next((p for p in _ancestors(path) if os.path.exists(os.path.join(p, ".git"))), None)
    if root is None:
        return None
    relative = Path(os.path.relpath(path, root)).as_posix()
    try:
        commit = _run_git(root, "rev-parse", "--verify", "--quiet", "HEAD").decode().strip()
        status = _run_git(root, "status", "--porcelain=v1", "-z", "--", relative)
    except (GitError, UnicodeDecodeError):
        return None
    return {
        "kind": "git",
        "commit": commit or None,
        "path": relative,
        "dirty": bool(status),
        "tracked": not status.startswith(b"??"),
    }

"""Artifact paths inside a run: what is allowed, and traversal refused by the check and
by the SDK (the server's refusal over HTTP is in tests/server/test_artifact_paths.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import trackrecord
from trackrecord.artifacts.base import check_artifact_path
from trackrecord.errors import InvalidValueError
from trackrecord.sdk.files import artifact_name

# Each would let a reader that joins the path to a directory, or URL-decodes it, escape.
TRAVERSAL = [
    "..",
    "../secret.txt",
    "model/../../secret.txt",
    "/etc/passwd",
    "//server/share/x",
    "C:\\x",
    "C:/Windows/x",
    "c:x",
    "model\\..\\..\\x",
    "a\\b",
    "model/\x00.txt",
    "line\nbreak",
    "%2e%2e/secret.txt",
    "..%2fsecret.txt",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "model/%2E%2E/%2e%2e/x",
    "%252e%252e%252fx",  # encoded twice
    "..%5csecret.txt",
    "%2fetc%2fpasswd",
    "model/%00.txt",
    ".. /x",
    "model/. ./x",
]
CANONICAL = [
    "weights.bin",
    "plots/loss.png",
    "a b/c-d_e.f",
    "100%.txt",
    "%zz",
    "report%20final.md",
    "model/v1.2/..weights",
    "café/naïve.txt",
    "...hidden/x",
]


@pytest.mark.parametrize("path", TRAVERSAL)
def test_traversal_is_refused_with_a_message_that_says_what_to_do(path: str) -> None:
    with pytest.raises(InvalidValueError, match="relative '/'-separated path") as caught:
        check_artifact_path(path)
    assert repr(path) in str(caught.value)


@pytest.mark.parametrize("path", CANONICAL)
def test_canonical_paths_pass_unchanged(path: str) -> None:
    assert check_artifact_path(path) == path


@pytest.mark.parametrize("path", ["", "a//b", "a/", "./a", "a/./b"])
def test_the_store_wants_canonical_paths(path: str) -> None:
    with pytest.raises(InvalidValueError):
        check_artifact_path(path)


def test_the_sdk_makes_paths_canonical_before_checking() -> None:
    assert artifact_name("./plots//loss.png") == "plots/loss.png"
    assert artifact_name("model/./weights/") == "model/weights"
    assert artifact_name(os.path.join("model", "weights.pt")) == "model/weights.pt"
    with pytest.raises(InvalidValueError, match="'\\.\\.' segment"):
        artifact_name("model/../../x")


@pytest.mark.parametrize("path", TRAVERSAL)
def test_the_sdk_refuses_traversal_and_records_nothing(tmp_path: Path, path: str) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"weights")
    with trackrecord.init("paths", dir=tmp_path / "store", capture=False) as run:
        with pytest.raises(InvalidValueError, match="artifact name"):
            run.log_artifact(source, name=path)
        with pytest.raises(InvalidValueError, match="artifact name"):
            run.log_text(path, "text")
    with trackrecord.Api(tmp_path / "store") as api:
        assert api.artifacts(run.id) == []


def test_a_directory_with_an_unsafe_file_name_is_refused_by_name(tmp_path: Path) -> None:
    tree = tmp_path / "model"
    tree.mkdir()
    (tree / "fine.txt").write_text("fine")
    (tree / "..\\..\\evil.txt").write_text("a backslash is a name character on POSIX")
    with trackrecord.init("paths", dir=tmp_path / "store", capture=False) as run:
        with pytest.raises(InvalidValueError, match=r"evil\.txt.*backslash.*Rename the file"):
            run.log_artifact(tree)
        run.log_artifact(tree / "..\\..\\evil.txt", name="evil.txt")  # the way out it names
    with trackrecord.Api(tmp_path / "store") as api:
        assert [a.path for a in api.artifacts(run.id)] == ["evil.txt"]

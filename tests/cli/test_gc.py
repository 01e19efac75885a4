"""``trackrecord gc``: shows what it would remove, removes only when told to."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

import trackrecord
from tests.cli.stores import invoke_in
from trackrecord.artifacts.local import LocalArtifactStore

ORPHAN = b"bytes no run refers to"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gc-cli") / "store"
    with trackrecord.init("p", dir=root, capture=False) as run:
        run.log_text("a.txt", "kept")
    with trackrecord.init("p", dir=root, capture=False) as deleted:
        deleted.log_text("b.txt", "kept too")
    with trackrecord.Api(dir=root) as api:
        api.delete(deleted.id)
        api.store.put_artifact(io.BytesIO(ORPHAN))
    return root


@pytest.fixture
def root(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template, tmp_path / "store")
    return tmp_path / "store"


def stored(root: Path) -> set[str]:
    return set(LocalArtifactStore(root / "artifacts").digests())


ORPHAN_SHA = hashlib.sha256(ORPHAN).hexdigest()
KEPT = {hashlib.sha256(b).hexdigest() for b in (b"kept", b"kept too")}


def test_dry_run_shows_the_plan_and_removes_nothing(root: Path) -> None:
    result = invoke_in(root)("gc", "--dry-run", "--verbose", "--min-age", "0")
    assert result.exit_code == 0, result.output
    assert f"1 contents no run refers to ({len(ORPHAN)} B)" in result.output
    assert ORPHAN_SHA in result.output and not any(k in result.output for k in KEPT)
    assert "Nothing removed (dry run)" in result.output
    assert stored(root) == KEPT | {ORPHAN_SHA}


def test_yes_removes_exactly_the_unreferenced_content(root: Path) -> None:
    invoke = invoke_in(root)
    result = invoke("gc", "--yes", "--min-age", "0")
    assert result.exit_code == 0, result.output
    assert f"{len(ORPHAN)} B freed" in result.output
    assert stored(root) == KEPT  # the deleted run's content stays: it can be restored
    verified = invoke("verify", "--all")
    assert verified.exit_code == 0 and "2 runs verified, 0 failed" in verified.output


def test_it_asks_before_removing(root: Path) -> None:
    invoke = invoke_in(root)
    refused = invoke("gc", "--min-age", "0", input="n\n")
    assert "Remove them?" in refused.output and "Nothing removed." in refused.output
    assert ORPHAN_SHA in stored(root)
    accepted = invoke("gc", "--min-age", "0", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert stored(root) == KEPT


def test_recent_contents_are_spared_by_default(root: Path) -> None:
    result = invoke_in(root)("gc", "--yes")
    assert "1 contents no run refers to yet are younger than 1h" in result.output
    assert "Nothing to remove." in result.output
    assert ORPHAN_SHA in stored(root)


def test_json(root: Path) -> None:
    shown = json.loads(invoke_in(root)("gc", "--json", "--yes", "--min-age", "0").stdout)
    assert shown["unreferenced"] == [{"sha256": ORPHAN_SHA, "size": len(ORPHAN)}]
    assert shown["runs"] == 2 and shown["referenced"] == 2
    assert shown["removed"] is True and shown["freed"] == len(ORPHAN)


def test_a_bad_min_age_exits_2(root: Path) -> None:
    result = invoke_in(root)("gc", "--min-age", "soon")
    assert result.exit_code == 2 and "30m" in result.output
    assert ORPHAN_SHA in stored(root)

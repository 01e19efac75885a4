"""Archives: whole runs out of one store and into another, bit for bit, or refused."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import sqlite3
import struct
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import trackrecord
from trackrecord.archive import (
    FORMAT_VERSION,
    MANIFEST,
    ArchiveError,
    export_archive,
    import_archive,
)
from trackrecord.errors import ChainConflictError, NotFoundError, StoreError
from trackrecord.record.events import Event, Points, canonical_json
from trackrecord.record.framing import decode_event, encode_event
from trackrecord.store.sql import SqlStore


@dataclasses.dataclass
class Source:
    """Store A, its runs, and an archive of all of them."""

    root: Path
    runs: dict[str, str]  # role -> run id
    archive: Path
    old_report: str  # the content of report.md before it was logged again


def log_runs(root: Path, tree: Path) -> dict[str, str]:
    """Runs covering every kind of event: params, tags, notes, odd metrics, artifacts."""
    for relative, content in {"a.json": b"{}", "sub/b.bin": bytes(range(256)) * 40}.items():
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_bytes(content)
    config = {"optimizer": {"name": "adam", "lr": 3e-4}, "layers": [64, 32], "eps": float("nan")}
    with trackrecord.init(
        "arch", dir=root, capture=False, config=config, tags=["baseline"], notes="first"
    ) as main:
        main.set_tags({"stage": "dev"})
        main.notes = "changed"
        for step, loss in enumerate([1.0, float("nan"), float("inf"), -float("inf"), -0.0, 0.1]):
            main.log({"loss": loss, "acc": step / 10}, step=step)
        main.flush()
        main.log({"loss": 5e-324, "val/acc": 0.5}, step=100)
        main.log_artifact(tree, name="model")
        main.log_text("report.md", "v1")
        main.log_text("report.md", "v2")  # re-logged: the archive keeps both contents
        main.log_json("config.json", {"a": 1})
    with trackrecord.init("arch", dir=root, capture=False, parent=main) as child:
        child.log({"loss": 0.5})
    with pytest.raises(RuntimeError), trackrecord.init("other", dir=root, capture=False) as bad:
        bad.log({"loss": 2.0})
        raise RuntimeError("boom")
    with trackrecord.init(resume=main.id, dir=root, capture=False) as again:
        again.log({"loss": 0.05})
    return {"main": main.id, "child": child.id, "failed": bad.id}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    base = tmp_path_factory.mktemp("source")
    runs = log_runs(base / "a", base / "tree")
    with trackrecord.Api(dir=base / "a") as api:
        export_archive(api.store, list(runs.values()), base / "all.tar")
    return Source(base / "a", runs, base / "all.tar", "v1")


@pytest.fixture
def store_b(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.open(tmp_path / "b")
    yield store
    store.close()


def event_fingerprint(event: Event) -> tuple[Any, ...]:
    points = {
        k: (p.steps.tobytes(), p.values.tobytes(), p.times.tobytes())
        for k, p in event.points.items()
    }
    body = canonical_json(event.body)
    return (event.run_id, event.seq, event.type, event.time, event.prev, event.hash, body, points)


def run_fingerprint(store: SqlStore, run_id: str) -> dict[str, Any]:
    """Everything a store says about a run, NaN-safe and comparable."""
    record = canonical_json(dataclasses.asdict(store.get_run(run_id)))
    artifacts = store.list_artifacts(run_id)
    contents = {}
    for a in artifacts:
        with store.open_artifact(a.sha256) as handle:
            contents[a.path] = handle.read()
    return {
        "events": [event_fingerprint(e) for e in store.read_events(run_id)],
        "record": record,
        "artifacts": artifacts,
        "contents": contents,
    }


def test_round_trip_keeps_everything(source: Source, store_b: SqlStore, tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    summary = import_archive(store_b, source.archive, lambda *c: calls.append(c))
    assert set(summary.imported) == set(source.runs.values())
    assert summary.skipped == () and summary.events > 10
    assert summary.artifacts == 5 and summary.artifacts_present == 0  # 2 tree files, 2 reports
    with trackrecord.Api(dir=source.root) as a, trackrecord.Api(dir=tmp_path / "b") as b:
        for run_id in source.runs.values():
            assert run_fingerprint(store_b, run_id) == run_fingerprint(a.store, run_id)
            assert b.verify(run_id).ok
        main = b.run(source.runs["main"])
        assert main.notes == "changed" and main.tags == {"baseline": "", "stage": "dev"}
        assert np.isnan(main.params["eps"]) and main.params["optimizer.lr"] == 3e-4
        assert b.run(source.runs["child"]).parent == main.id
        failed = b.run(source.runs["failed"])
        assert failed.status == "failed" and "boom" in failed.error["message"]
        values = b.metric_history(main.id, "loss").values
        assert np.signbit(values[4]) and values[6] == 5e-324 and np.isnan(values[1])
        old = [e for e in b.events(main.id) if e.type == "artifact"]
        digests = {f["sha256"] for e in old for f in e.body["files"]}
        for digest in digests:  # the first report.md too, though no listing shows it now
            with store_b.open_artifact(digest) as handle:
                assert handle.read()
    phases = [c[2].rsplit(" ", 1)[0] for c in calls]
    assert phases == ["check run"] * 3 + ["artifact"] * 5 + ["import run"] * 3
    assert [c[:2] for c in calls[:3]] == [(1, 3), (2, 3), (3, 3)]


def test_manifest_and_layout(source: Source) -> None:
    with tarfile.open(source.archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    assert names[0] == MANIFEST
    assert manifest["format"] == "trackrecord-archive"
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["trackrecord_version"] == trackrecord.__version__
    with trackrecord.Api(dir=source.root) as api:
        for entry in manifest["runs"]:
            run = api.run(entry["id"])
            assert (entry["events"], entry["head"]) == (run.head_seq, run.head_hash)
            assert (entry["project"], entry["name"]) == (run.project, run.name)
    assert sorted(n for n in names if n.startswith("runs/")) == sorted(
        f"runs/{i}.events" for i in source.runs.values()
    )
    assert sum(n.startswith("artifacts/sha256/") for n in names) == 5


def test_export_progress_duplicates_and_unknown_runs(source: Source, tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    main = source.runs["main"]
    with trackrecord.Api(dir=source.root) as api:
        summary = export_archive(
            api.store, [main, main], tmp_path / "one.tar", lambda *c: calls.append(c)
        )
        assert summary.runs == (main,) and summary.artifacts == 5
        assert calls[0] == (1, 1, f"run {main}")
        assert [c[:2] for c in calls[1:]] == [(i, 5) for i in range(1, 6)]
        with pytest.raises(NotFoundError, match="01m8cvyv2qdqdwy2pq0380m6jf"):
            export_archive(api.store, [main, "01m8cvyv2qdqdwy2pq0380m6jf"], tmp_path / "x.tar")
    assert not (tmp_path / "x.tar").exists()


def test_importing_twice_changes_nothing(source: Source, store_b: SqlStore) -> None:
    import_archive(store_b, source.archive)
    before = {i: run_fingerprint(store_b, i) for i in source.runs.values()}
    again = import_archive(store_b, source.archive)
    assert again.imported == () and set(again.skipped) == set(source.runs.values())
    assert again.events == 0 and again.artifacts == 0 and again.artifacts_present == 5
    assert {i: run_fingerprint(store_b, i) for i in source.runs.values()} == before


def test_a_child_without_its_parent(source: Source, store_b: SqlStore, tmp_path: Path) -> None:
    with trackrecord.Api(dir=source.root) as api:
        export_archive(api.store, [source.runs["child"]], tmp_path / "child.tar")
    assert import_archive(store_b, tmp_path / "child.tar").imported == (source.runs["child"],)
    assert store_b.get_run(source.runs["child"]).parent == source.runs["main"]
    with pytest.raises(NotFoundError):
        store_b.get_run(source.runs["main"])


# ----------------------------------------------------------------------------- refused archives


def rewrite(archive: Path, out: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    """Copy *archive* to *out* with member *name* changed (same layout otherwise)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == name:
                data = change(data)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def frames(data: bytes) -> list[Event]:
    events, offset = [], 0
    while offset < len(data):
        size = struct.unpack_from("<4sII", data, offset)[1]
        events.append(decode_event(data[offset + 12 : offset + 12 + size]))
        offset += 12 + size
    return events


def change_a_metric_value(data: bytes) -> bytes:
    """Alter one point of the first metrics event, keeping its recorded hash."""
    events = frames(data)
    index = next(i for i, e in enumerate(events) if e.type == "metrics")
    event = events[index]
    key, points = next(iter(event.points.items()))
    values = points.values.copy()
    values[0] += 1.0
    changed = dict(event.points, **{key: Points(points.steps, values, points.times)})
    events[index] = dataclasses.replace(event, points=changed)
    return b"".join(encode_event(e) for e in events)


def assert_nothing_imported(store: SqlStore, source: Source) -> None:
    assert store.list_projects() == []
    for run_id in source.runs.values():
        with pytest.raises(NotFoundError):
            store.get_run(run_id)


def test_an_altered_event_is_refused(source: Source, store_b: SqlStore, tmp_path: Path) -> None:
    name = f"runs/{source.runs['main']}.events"
    bad = rewrite(source.archive, tmp_path / "bad.tar", name, change_a_metric_value)
    with tarfile.open(source.archive) as tar:
        events = frames(tar.extractfile(name).read())  # type: ignore[union-attr]
    seq = next(e.seq for e in events if e.type == "metrics")
    with pytest.raises(ArchiveError, match="does not match its hash") as caught:
        import_archive(store_b, bad)
    assert f"event {seq} of run {source.runs['main']}" in str(caught.value)
    assert_nothing_imported(store_b, source)


def test_a_flipped_byte_in_events_is_refused(
    source: Source, store_b: SqlStore, tmp_path: Path
) -> None:
    name = f"runs/{source.runs['child']}.events"
    flip = rewrite(source.archive, tmp_path / "flip.tar", name, lambda d: d[:40] + b"X" + d[41:])
    with pytest.raises(ArchiveError, match="damaged") as caught:
        import_archive(store_b, flip)
    assert name in str(caught.value)
    assert_nothing_imported(store_b, source)


def test_an_altered_artifact_is_refused(source: Source, store_b: SqlStore, tmp_path: Path) -> None:
    with tarfile.open(source.archive) as tar:
        name = next(n for n in tar.getnames() if n.startswith("artifacts/"))
    bad = rewrite(source.archive, tmp_path / "bad.tar", name, lambda d: bytes([d[0] ^ 1]) + d[1:])
    with pytest.raises(ArchiveError, match="does not hash to its name") as caught:
        import_archive(store_b, bad)
    assert name in str(caught.value)
    assert_nothing_imported(store_b, source)


def test_a_missing_artifact_is_refused(source: Source, store_b: SqlStore, tmp_path: Path) -> None:
    out = tmp_path / "short.tar"
    with tarfile.open(source.archive) as src, tarfile.open(out, "w") as dst:
        for info in src.getmembers()[:-1]:
            dst.addfile(info, src.extractfile(info))
    with pytest.raises(ArchiveError, match="neither in"):
        import_archive(store_b, out)
    assert_nothing_imported(store_b, source)


@pytest.mark.parametrize(
    ("version", "message"),
    [(FORMAT_VERSION + 1, "newer than this TrackRecord"), ("1", "unknown archive format")],
)
def test_an_unknown_format_version_is_refused(
    source: Source, store_b: SqlStore, tmp_path: Path, version: object, message: str
) -> None:
    def bump(data: bytes) -> bytes:
        return json.dumps({**json.loads(data), "format_version": version}).encode()

    newer = rewrite(source.archive, tmp_path / "newer.tar", MANIFEST, bump)
    with pytest.raises(ArchiveError, match=message):
        import_archive(store_b, newer)
    assert_nothing_imported(store_b, source)


def test_not_an_archive(store_b: SqlStore, source: Source, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ArchiveError, match="not a TrackRecord archive"):
        import_archive(store_b, tmp_path / "notes.txt")
    (tmp_path / "all.tar.gz").write_bytes(gzip.compress(source.archive.read_bytes()))
    with pytest.raises(ArchiveError, match="gzip-compressed; decompress it first"):
        import_archive(store_b, tmp_path / "all.tar.gz")
    with pytest.raises(NotFoundError, match="no archive"):
        import_archive(store_b, tmp_path / "missing.tar")
    odd = tmp_path / "odd.tar"
    with tarfile.open(odd, "w") as tar:
        tar.addfile(tarfile.TarInfo("../escape"), io.BytesIO(b""))
    with pytest.raises(ArchiveError, match="not part of a TrackRecord archive"):
        import_archive(store_b, odd)


# ----------------------------------------------------------------------------- stores that differ


def export_one(root: Path, run_id: str, out: Path) -> Path:
    with trackrecord.Api(dir=root) as api:
        export_archive(api.store, [run_id], out)
    return out


def test_a_longer_run_extends_and_a_diverging_one_conflicts(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    with trackrecord.init("grow", dir=a, capture=False) as run:
        run.log({"loss": 1.0})
    first = export_one(a, run.id, tmp_path / "first.tar")
    with trackrecord.init(resume=run.id, dir=a, capture=False) as more:
        more.log({"loss": 0.5})
    second = export_one(a, run.id, tmp_path / "second.tar")
    store = SqlStore.open(b)
    try:
        import_archive(store, first)
        grown = import_archive(store, second)
        assert grown.imported == (run.id,) and grown.events == 3  # resume, metrics, end
        with trackrecord.Api(dir=a) as api:
            assert run_fingerprint(store, run.id) == run_fingerprint(api.store, run.id)
        assert import_archive(store, first).skipped == (run.id,)  # an older prefix: nothing new
        with trackrecord.init(resume=run.id, dir=a, capture=False) as diverging:
            diverging.log({"loss": 0.1})
        with trackrecord.init(resume=run.id, dir=b, capture=False) as other:
            other.log({"loss": 9.9})
        head = store.get_run(run.id).head_hash
        third = export_one(a, run.id, tmp_path / "third.tar")
        with pytest.raises(ChainConflictError, match=run.id):
            import_archive(store, third)
        assert store.get_run(run.id).head_hash == head
    finally:
        store.close()


def test_a_damaged_source_store_writes_no_archive(tmp_path: Path) -> None:
    with trackrecord.init("bad", dir=tmp_path / "a", capture=False, config={"lr": 1}) as run:
        run.log({"loss": 1.0})
    with sqlite3.connect(tmp_path / "a" / "trackrecord.db") as db:
        changed = db.execute(
            "UPDATE events SET body = replace(body, '\"lr\":1', '\"lr\":2') WHERE seq = 1"
        ).rowcount
    assert changed == 1
    with trackrecord.Api(dir=tmp_path / "a") as api, pytest.raises(StoreError, match=run.id):
        export_archive(api.store, [run.id], tmp_path / "out.tar")
    assert list(tmp_path.glob("*.tar*")) == [] and list(tmp_path.glob(".*")) == []


@pytest.mark.parametrize("damage", ["altered", "removed"])
def test_a_damaged_artifact_in_the_source_store_writes_no_archive(
    tmp_path: Path, damage: str
) -> None:
    with trackrecord.init("bad", dir=tmp_path / "a", capture=False) as run:
        run.log_text("report.md", "all good")
    with trackrecord.Api(dir=tmp_path / "a") as api:
        (record,) = api.artifacts(run.id)
        blob = tmp_path / "a" / "artifacts" / "sha256" / record.sha256[:2] / record.sha256
        blob.chmod(0o644)
        if damage == "altered":
            blob.write_bytes(b"all bad!")
        else:
            blob.unlink()
        message = "does not hash to its name" if damage == "altered" else "missing"
        with pytest.raises(StoreError, match=message) as caught:
            export_archive(api.store, [run.id], tmp_path / "out.tar")
    assert record.sha256 in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]

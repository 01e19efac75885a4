"""run.log_dataset: digests of real content, versions shared across runs, sources, lineage."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trackrecord
from trackrecord.errors import InvalidValueError


def test_a_file_is_recorded_by_its_full_sha256_and_the_manifest_of_a_directory(
    tmp_path: Path,
) -> None:
    data = tmp_path / "train.csv"
    data.write_text("x,y\n1,a\n2,b\n3,\n")
    folder = tmp_path / "images"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"a" * 1000)
    (folder / "sub" / "b.bin").write_bytes(b"b" * 10)
    with trackrecord.init("p", dir=tmp_path / "store", capture=False) as run:
        table = run.log_dataset(data, "churn", role="train", version="2024-06")
        images = run.log_dataset(folder, "images", role="validation")
    assert table.digest == hashlib.sha256(data.read_bytes()).hexdigest()
    assert table.rows == 3 and [c["name"] for c in table.schema or []] == ["x", "y"]
    assert images.kind == "directory"
    api = trackrecord.Api(dir=tmp_path / "store")
    stored = api.dataset("churn")
    assert (stored.number, stored.label, stored.digest) == (1, "2024-06", table.digest)
    manifest = [a for a in api.artifacts(run.id) if a.path.startswith("datasets/images/")]
    assert len(manifest) == 1
    with api.open_artifact(run.id, manifest[0].path) as handle:
        entries = handle.read()
    assert b"sub/b.bin" in entries and hashlib.sha256(b"b" * 10).hexdigest().encode() in entries
    uses = api.run_datasets(run.id)
    assert sorted((u.name, u.role, u.direction) for u in uses) == [
        ("churn", "train", "input"),
        ("images", "validation", "input"),
    ]


def test_equal_frames_in_two_processes_are_one_version_and_a_change_makes_another(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    script = textwrap.dedent("""
        import sys, pandas as pd, trackrecord
        frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": ["a", "b", "c"]})
        if sys.argv[2] == "changed":
            frame.loc[2, "x"] = 3.5
        with trackrecord.init("p", dir=sys.argv[1], capture=False) as run:
            print(run.log_dataset(frame, "frame").digest)
    """)
    digests = [
        subprocess.run(
            [sys.executable, "-c", script, str(store), kind], check=True, capture_output=True,
            text=True, env=dict(os.environ, PYTHONHASHSEED=str(seed)),
        ).stdout.strip()
        for seed, kind in ((1, "same"), (2, "same"), (3, "changed"))
    ]  # fmt: skip
    assert digests[0] == digests[1] != digests[2]
    versions = trackrecord.Api(dir=store).dataset_versions("frame")
    assert [(v.number, v.runs) for v in versions] == [(2, 1), (1, 2)]


def test_a_reference_only_and_a_produced_dataset_link_the_lineage(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with trackrecord.init("p", dir=store, capture=False) as prep:
        raw = prep.log_dataset(
            "s3://bucket/raw.parquet?versionId=3HL4kqtJlcpXroDTDmJ", "raw", role="source"
        )
        features = np.arange(12, dtype=np.float32).reshape(4, 3)
        sheet = {"origin": "raw dump", "preparation": ["dedupe"]}
        made = prep.log_dataset(
            (features, np.array([0, 1, 0, 1])), "features", produced=True, datasheet=sheet
        )
    with trackrecord.init("p", dir=store, capture=False) as train:
        train.log_dataset((features, np.array([0, 1, 0, 1])), "features", role="train")
    assert raw.digest.startswith("ref:") and raw.sources[0]["version_id"] == "3HL4kqtJlcpXroDTDmJ"
    api = trackrecord.Api(dir=store)
    graph = api.lineage(f"run:{train.id}", "upstream")
    assert {raw.node, made.node, f"run:{prep.id}"} <= set(graph.nodes)
    assert api.dataset("features").datasheet == {"origin": "raw dump", "preparation": ["dedupe"]}


def test_bad_arguments_raise_at_the_call_and_record_nothing(tmp_path: Path) -> None:
    with trackrecord.init("p", dir=tmp_path / "store", capture=False) as run:
        with pytest.raises(InvalidValueError, match="name"):
            run.log_dataset(pd.DataFrame({"x": [1]}), "bad name/with slash")
        with pytest.raises(InvalidValueError):
            run.log_dataset(tmp_path / "missing.csv", "d")
        with pytest.raises(InvalidValueError, match=r"oirgin"):
            run.log_dataset(pd.DataFrame({"x": [1]}), "d", datasheet={"oirgin": "typo"})
        run.log({"loss": 1.0})  # the run goes on
    assert trackrecord.Api(dir=tmp_path / "store").datasets() == []

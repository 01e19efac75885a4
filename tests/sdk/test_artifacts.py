"""Artifacts: files, directory trees, deduplication, text, JSON, images and tables."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

import trackrecord
from trackrecord.errors import InvalidValueError

from .conftest import OpenApi, StartRun, Verified


def _stored_blobs(store: Path) -> list[Path]:
    return [p for p in (store / "artifacts" / "sha256").rglob("*") if p.is_file()]


def _read(api: trackrecord.Api, run_id: str, path: str) -> bytes:
    with api.open_artifact(run_id, path) as handle:
        return handle.read()


def test_a_file(tmp_path: Path, start: StartRun, open_api: OpenApi, verified: Verified) -> None:
    source = tmp_path / "weights.bin"
    content = np.random.default_rng(0).bytes(300_000)
    source.write_bytes(content)
    with start() as run:
        run.log_artifact(source)
        run.log_artifact(source, name="checkpoints/best.bin")
        source.write_bytes(b"changed afterwards")  # the content was copied at the call
    api = open_api()
    records = {a.path: a for a in api.artifacts(run.id)}
    assert set(records) == {"weights.bin", "checkpoints/best.bin"}
    for record in records.values():
        assert record.size == len(content)
        assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert _read(api, run.id, "checkpoints/best.bin") == content
    verified(run.id)


def test_a_directory_tree(
    tmp_path: Path, start: StartRun, store: Path, open_api: OpenApi, verified: Verified
) -> None:
    tree = tmp_path / "model"
    files = {
        "config.json": b'{"layers": 3}',
        "weights/layer0.npy": b"\x00" * 1000,
        "weights/layer1.npy": b"\x01" * 2000,
        "notes/deep/er/readme.md": "# café\n".encode(),
    }
    for relative, content in files.items():
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_bytes(content)
    with start() as run:
        run.log_artifact(tree)
        run.log_artifact(tree, name="exports/v1")
    api = open_api()
    records = {a.path: a for a in api.artifacts(run.id)}
    expected_paths = {f"model/{p}" for p in files} | {f"exports/v1/{p}" for p in files}
    assert set(records) == expected_paths
    for relative, content in files.items():
        record = records[f"model/{relative}"]
        assert (record.size, record.sha256) == (len(content), hashlib.sha256(content).hexdigest())
        assert _read(api, run.id, f"exports/v1/{relative}") == content
    assert records["model/config.json"].media_type == "application/json"

    written = api.download_artifacts(run.id, tmp_path / "out", prefix="model/")
    assert len(written) == len(files)
    for relative, content in files.items():
        assert (tmp_path / "out" / "model" / relative).read_bytes() == content
    assert not (tmp_path / "out" / "exports").exists()
    assert len(_stored_blobs(store)) == len(files)  # two trees, each file's content once
    verified(run.id)


def test_the_same_content_is_stored_once(
    tmp_path: Path, start: StartRun, store: Path, open_api: OpenApi, verified: Verified
) -> None:
    (tmp_path / "a.txt").write_text("same bytes\n")
    (tmp_path / "b.txt").write_text("same bytes\n")
    with start() as first:
        first.log_artifact(tmp_path / "a.txt")
        first.log_artifact(tmp_path / "b.txt")
        first.log_text("c.txt", "same bytes\n")
    with start() as second:
        second.log_artifact(tmp_path / "a.txt")
    assert len(_stored_blobs(store)) == 1
    api = open_api()
    assert len(api.artifacts(first.id)) == 3
    assert _read(api, second.id, "a.txt") == b"same bytes\n"
    verified(first.id)
    verified(second.id)


def test_log_text_and_log_json(start: StartRun, open_api: OpenApi, verified: Verified) -> None:
    with start() as run:
        run.log_text("reports/summary.md", "# Result\naccuracy ✓ 0.93\n")
        run.log_json("metrics.json", {"b": [1, 2.5], "a": {"nested": None}, "n": np.int64(4)})
    api = open_api()
    assert _read(api, run.id, "reports/summary.md").decode() == "# Result\naccuracy ✓ 0.93\n"
    assert json.loads(_read(api, run.id, "metrics.json")) == {
        "a": {"nested": None},
        "b": [1, 2.5],
        "n": 4,
    }
    types = {a.path: a.media_type for a in api.artifacts(run.id)}
    assert types == {"reports/summary.md": "text/markdown", "metrics.json": "application/json"}
    verified(run.id)


def test_log_json_rejects_what_json_cannot_hold(start: StartRun, open_api: OpenApi) -> None:
    with start() as run, pytest.raises(trackrecord.InvalidValueError, match="nan"):
        run.log_json("bad.json", {"x": float("nan")})
    assert open_api().artifacts(run.id) == []


def test_log_image_from_a_numpy_array(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    from PIL import Image

    rgb = np.random.default_rng(1).integers(0, 256, size=(17, 23, 3), dtype=np.uint8)
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    with start() as run:
        run.log_image("samples/rgb", rgb)
        run.log_image("samples/gray.png", gray)
    api = open_api()
    assert {a.path for a in api.artifacts(run.id)} == {"samples/rgb.png", "samples/gray.png"}
    assert all(a.media_type == "image/png" for a in api.artifacts(run.id))
    with Image.open(io.BytesIO(_read(api, run.id, "samples/rgb.png"))) as decoded:
        assert decoded.mode == "RGB"
        assert np.array_equal(np.asarray(decoded), rgb)
    with Image.open(io.BytesIO(_read(api, run.id, "samples/gray.png"))) as decoded:
        assert np.array_equal(np.asarray(decoded), gray)
    verified(run.id)


def test_log_image_from_a_pil_image(start: StartRun, open_api: OpenApi) -> None:
    from PIL import Image

    pixels = np.random.default_rng(2).integers(0, 256, size=(9, 5, 4), dtype=np.uint8)
    with start() as run:
        run.log_image("rgba", Image.fromarray(pixels, mode="RGBA"))
    with Image.open(io.BytesIO(_read(open_api(), run.id, "rgba.png"))) as decoded:
        assert decoded.mode == "RGBA"
        assert np.array_equal(np.asarray(decoded), pixels)


def test_log_image_from_a_matplotlib_figure(start: StartRun, open_api: OpenApi) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from PIL import Image

    figure = Figure(figsize=(2, 1), dpi=50)
    figure.add_subplot().plot([0, 1, 2], [2, 0, 1], color="red")
    with start() as run:
        run.log_image("plots/loss", figure)
    with Image.open(io.BytesIO(_read(open_api(), run.id, "plots/loss.png"))) as decoded:
        assert decoded.format == "PNG"
        width, height = decoded.size
        assert 0 < width <= 120 and 0 < height <= 70  # about 2 x 1 inches at 50 dpi, cropped
        pixels = np.asarray(decoded.convert("RGB")).astype(int)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert red.any()  # the line was drawn


def test_log_image_rejects_what_is_not_an_image(start: StartRun) -> None:
    with start() as run, pytest.raises(trackrecord.InvalidValueError, match="image"):
        run.log_image("x", "not an image")


def test_log_table_from_a_dataframe_as_parquet(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {"epoch": [1, 2, 3], "loss": [0.9, 0.5, 0.25], "split": ["train", "train", "val"]}
    )
    with start() as run:
        run.log_table("history", frame)
    api = open_api()
    (record,) = api.artifacts(run.id)
    assert (record.path, record.media_type) == ("history.parquet", "application/vnd.apache.parquet")
    back = pd.read_parquet(io.BytesIO(_read(api, run.id, "history.parquet")))
    pd.testing.assert_frame_equal(back, frame)
    verified(run.id)


def test_log_table_from_rows_as_csv(start: StartRun, open_api: OpenApi) -> None:
    with start() as run:
        run.log_table(
            "confusion",
            [{"actual": "cat", "cat": 5, "dog": 1}, {"actual": "dog", "cat": 0, "dog": 7}],
            format="csv",
        )
        run.log_table("pairs.csv", [[1, "a"], [2, None]], columns=["n", "s"], format="csv")
    api = open_api()
    assert _read(api, run.id, "confusion.csv") == b"actual,cat,dog\ncat,5,1\ndog,0,7\n"
    assert _read(api, run.id, "pairs.csv") == b"n,s\n1,a\n2,\n"
    assert {a.media_type for a in api.artifacts(run.id)} == {"text/csv"}


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/etc/passwd", "   "])
def test_a_bad_artifact_name_raises_and_records_nothing(
    tmp_path: Path, start: StartRun, open_api: OpenApi, verified: Verified, name: str
) -> None:
    source = tmp_path / "f.txt"
    source.write_text("x")
    with start() as run:
        with pytest.raises(trackrecord.InvalidValueError, match="artifact name"):
            run.log_artifact(source, name=name)
        with pytest.raises(trackrecord.InvalidValueError, match="artifact name"):
            run.log_text(name, "x")
        with pytest.raises(trackrecord.InvalidValueError, match="artifact name"):
            run.log_text("", "x")
        run.log_text("fine.txt", "x")
    assert [a.path for a in open_api().artifacts(run.id)] == ["fine.txt"]
    verified(run.id)


def test_a_missing_path_raises(tmp_path: Path, start: StartRun) -> None:
    with start() as run, pytest.raises(trackrecord.InvalidValueError, match="neither a file"):
        run.log_artifact(tmp_path / "nope.bin")


def test_an_unknown_artifact_is_not_found(start: StartRun, open_api: OpenApi) -> None:
    with start() as run:
        run.log_text("a.txt", "a")
    with pytest.raises(trackrecord.NotFoundError, match=r"b\.txt"):
        open_api().open_artifact(run.id, "b.txt")


def test_downloads_never_leave_the_destination_even_for_paths_stored_by_hand(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    with trackrecord.init("p", dir=store, capture=False) as run:
        run.log_text("ok.txt", "fine")
    with trackrecord.Api(dir=store) as api:
        with api.store.database.write() as cur:  # type: ignore[attr-defined]
            cur.execute("UPDATE artifacts SET path = '../escaped.txt' WHERE run_id = ?", (run.id,))
        with pytest.raises(InvalidValueError, match=r"\.\."):
            api.download_artifacts(run.id, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()

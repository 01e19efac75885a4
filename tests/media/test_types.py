"""media_type: the listed suffixes come from our own table, the rest from Python's."""

from __future__ import annotations

import mimetypes

import pytest

from trackrecord.media import media_type


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("preds.parquet", "application/vnd.apache.parquet"),
        ("events.jsonl", "application/jsonl"),
        ("config.yaml", "application/yaml"),
        ("config.yml", "application/yaml"),
        ("README.md", "text/markdown"),
        ("train.log", "text/plain"),
        ("weights.npy", "application/x-npy"),
        ("arrays.npz", "application/x-npz"),
        ("model.pt", "application/octet-stream"),
        ("model.pth", "application/octet-stream"),
        ("last.ckpt", "application/octet-stream"),
        ("model.safetensors", "application/octet-stream"),
        ("model.onnx", "application/octet-stream"),
        ("state.pkl", "application/octet-stream"),
        ("changes.diff", "text/x-diff"),
        ("fix.patch", "text/x-diff"),
        ("table.csv", "text/csv"),
    ],
)
def test_listed_suffixes(name: str, expected: str) -> None:
    assert media_type(name) == expected


def test_suffix_case_and_directories_do_not_matter() -> None:
    assert media_type("runs/7/Report.MD") == "text/markdown"
    assert media_type("C.PARQUET") == "application/vnd.apache.parquet"


def test_other_suffixes_come_from_pythons_table() -> None:
    assert media_type("confusion.png") == "image/png"
    assert media_type("report.html") == "text/html"


def test_unknown_and_missing_suffixes_are_octet_stream() -> None:
    assert media_type("blob.zzqx") == "application/octet-stream"
    assert media_type("Makefile") == "application/octet-stream"


def test_compressed_file_has_the_compression_type() -> None:
    assert media_type("metrics.csv.gz") == "application/gzip"
    assert media_type("logs.tar.xz") == "application/x-xz"


def test_machine_mime_table_is_not_consulted(monkeypatch: pytest.MonkeyPatch) -> None:
    def machine_table(url: str, strict: bool = True) -> tuple[str, None]:
        return ("text/x-from-this-machine", None)

    monkeypatch.setattr(mimetypes, "guess_type", machine_table)

    assert media_type("preds.parquet") == "application/vnd.apache.parquet"
    assert media_type("photo.jpg") == "image/jpeg"

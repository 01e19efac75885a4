"""References parsed from real DVC, git-lfs, lakeFS, S3 and Hugging Face formats."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from trackrecord.data.sources import detect_sources, parse_uri, read_lfs_pointer

# Written by `dvc add data/data.xml` (DVC 3.x).
DVC_FILE = """\
outs:
- md5: 22a1a2931c8370d3aeedd7183606fd7f
  size: 14445097
  hash: md5
  path: data.xml
"""

# Written by `dvc add data/images` (DVC 3.x): a directory.
DVC_DIR_FILE = """\
outs:
- md5: b8f4d5a78e55e88906d5f4aeaf43802e.dir
  size: 30046
  nfiles: 2
  hash: md5
  path: images
"""

# Written by `dvc repro` (DVC 3.x) for a two-stage pipeline.
DVC_LOCK = """\
schema: '2.0'
stages:
  prepare:
    cmd: python src/prepare.py data/data.xml
    deps:
    - path: data/data.xml
      hash: md5
      md5: 22a1a2931c8370d3aeedd7183606fd7f
      size: 14445097
    - path: src/prepare.py
      hash: md5
      md5: f09ea0c15980b43010257ccb9f0055e2
      size: 1576
    params:
      params.yaml:
        prepare.seed: 20170428
        prepare.split: 0.2
    outs:
    - path: data/prepared
      hash: md5
      md5: 153aad06d376b6595932470e459ef42a.dir
      size: 8437363
      nfiles: 2
  featurize:
    cmd:
    - python src/featurization.py data/prepared data/features
    - echo done
    deps:
    - path: data/prepared
      hash: md5
      md5: 153aad06d376b6595932470e459ef42a.dir
      size: 8437363
      nfiles: 2
    outs:
    - path: data/features/train.pkl
      hash: md5
      md5: 9ef9bd00e3a4a0e4d2dd3b4f4fb5d1a1
      size: 2145889
"""

LFS_OID = hashlib.sha256(b"the real content").hexdigest()
LFS_POINTER = f"version https://git-lfs.github.com/spec/v1\noid sha256:{LFS_OID}\nsize 16\n"


@pytest.fixture
def dvc_repo(tmp_path: Path) -> Path:
    (tmp_path / ".dvc").mkdir()
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    (data / "images" / "cat.png").write_bytes(b"png")
    (data / "data.xml").write_bytes(b"<xml/>")
    (data / "data.xml.dvc").write_text(DVC_FILE)
    (data / "images.dvc").write_text(DVC_DIR_FILE)
    (data / "prepared").mkdir()
    (data / "prepared" / "train.tsv").write_bytes(b"a\tb\n")
    (data / "features").mkdir()
    (data / "features" / "train.pkl").write_bytes(b"pickle")
    (tmp_path / "dvc.lock").write_text(DVC_LOCK)
    return tmp_path


def test_a_dvc_file_beside_the_data_is_found(dvc_repo: Path) -> None:
    path = dvc_repo / "data" / "data.xml"
    assert detect_sources(path, None) == [
        {
            "kind": "dvc",
            "file": (dvc_repo / "data" / "data.xml.dvc").as_posix(),
            "path": "data.xml",
            "md5": "22a1a2931c8370d3aeedd7183606fd7f",
            "size": 14445097,
            "stage": None,
            "cmd": None,
        }
    ]


def test_a_tracked_directory_and_a_file_inside_it(dvc_repo: Path) -> None:
    (directory,) = detect_sources(dvc_repo / "data" / "images", None)
    assert directory["md5"] == "b8f4d5a78e55e88906d5f4aeaf43802e.dir"
    assert directory["nfiles"] == 2 and "member" not in directory
    (member,) = detect_sources(dvc_repo / "data" / "images" / "cat.png", None)
    assert member["member"] == "cat.png" and member["path"] == "images"


def test_a_dvc_lock_stage_output_gives_its_stage_command_and_deps(dvc_repo: Path) -> None:
    (found,) = detect_sources(dvc_repo / "data" / "features" / "train.pkl", None)
    assert found["file"] == (dvc_repo / "dvc.lock").as_posix()
    assert found["stage"] == "featurize"
    assert found["cmd"] == "python src/featurization.py data/prepared data/features && echo done"
    assert found["md5"] == "9ef9bd00e3a4a0e4d2dd3b4f4fb5d1a1"
    assert found["deps"] == [
        {"path": "data/prepared", "md5": "153aad06d376b6595932470e459ef42a.dir"}
    ]


def test_a_file_inside_a_stage_output_directory(dvc_repo: Path) -> None:
    (found,) = detect_sources(dvc_repo / "data" / "prepared" / "train.tsv", None)
    assert (found["stage"], found["member"], found["nfiles"]) == ("prepare", "train.tsv", 2)
    assert found["cmd"] == "python src/prepare.py data/data.xml"


def test_a_stage_wdir_from_dvc_yaml_is_honoured(tmp_path: Path) -> None:
    (tmp_path / ".dvc").mkdir()
    (tmp_path / "work" / "out").mkdir(parents=True)
    (tmp_path / "work" / "out" / "m.bin").write_bytes(b"m")
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  train:\n    wdir: work\n    cmd: python t.py\n    outs:\n    - out/m.bin\n"
    )
    lock = "schema: '2.0'\nstages:\n  train:\n    cmd: python t.py\n    outs:\n"
    lock += "    - path: out/m.bin\n      hash: md5\n      md5: 0cc175b9c0f1b6a831c399e269772661\n"
    (tmp_path / "dvc.lock").write_text(lock + "      size: 1\n")
    (found,) = detect_sources(tmp_path / "work" / "out" / "m.bin", None)
    assert found["stage"] == "train" and found["size"] == 1


@pytest.mark.parametrize(
    "damage",
    [
        "outs: [unclosed\n",
        "\x00\x01\x02 not yaml at all: : :",
        "- just\n- a list\n",
        "outs:\n- md5: 5\n  path: [data.xml]\n",
        "outs: 7\n",
        "schema: '2.0'\nstages:\n  s: nothing\n",
        "schema: '2.0'\nstages:\n  s:\n    outs:\n    - path: data/data.xml\n      size: big\n",
    ],
)
def test_damaged_dvc_files_are_skipped_not_raised(tmp_path: Path, damage: str) -> None:
    (tmp_path / ".dvc").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "data.xml").write_bytes(b"x")
    (tmp_path / "data" / "data.xml.dvc").write_text(damage)
    (tmp_path / "dvc.lock").write_text(damage)
    found = detect_sources(tmp_path / "data" / "data.xml", None)
    assert all(source["kind"] == "dvc" for source in found)
    assert all(source["size"] is None for source in found)


def test_dvc_files_above_the_repository_root_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "dvc.lock").write_text(DVC_LOCK)
    repo = tmp_path / "repo"
    (repo / ".dvc").mkdir(parents=True)
    (repo / "data" / "features").mkdir(parents=True)
    assert detect_sources(repo / "data" / "features" / "train.pkl", None) == []


def test_a_git_lfs_pointer_is_recognised(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_text(LFS_POINTER)
    expected = {"kind": "git-lfs", "oid": LFS_OID, "size": 16, "pointer": True}
    assert read_lfs_pointer(tmp_path / "weights.bin") == expected
    assert detect_sources(tmp_path / "weights.bin", None) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        LFS_POINTER.rstrip("\n"),
        LFS_POINTER.replace("sha256:", "md5:"),
        LFS_POINTER.replace("size 16", "size sixteen"),
        LFS_POINTER.replace("spec/v1", "spec/v9"),
        "oid sha256:" + LFS_OID + "\n" + LFS_POINTER,
        LFS_POINTER + "x" * 2000 + "\n",
    ],
)
def test_files_that_only_look_like_lfs_pointers_are_not(tmp_path: Path, text: str) -> None:
    (tmp_path / "f").write_text(text)
    assert read_lfs_pointer(tmp_path / "f") is None


def test_binary_files_are_not_lfs_pointers(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"\xff\xfe" * 10)
    assert read_lfs_pointer(tmp_path / "f") is None


COMMIT = "c" * 64


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "lakefs://example-repo/main/datasets/train.parquet",
            {"kind": "lakefs", "repository": "example-repo", "ref": "main"},
        ),
        (
            f"lakefs://example-repo/{COMMIT}/datasets/train.parquet",
            {"ref": COMMIT, "commit": COMMIT, "path": "datasets/train.parquet"},
        ),
        (
            "s3://my-bucket/raw/2024/train.csv?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
            {
                "kind": "s3",
                "bucket": "my-bucket",
                "key": "raw/2024/train.csv",
                "version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
            },
        ),
        ("s3://my-bucket/raw/train.csv", {"key": "raw/train.csv", "bucket": "my-bucket"}),
        (
            "hf://datasets/stanfordnlp/imdb@main/plain_text/train-00000-of-00001.parquet",
            {
                "kind": "huggingface",
                "repo_type": "dataset",
                "repo": "stanfordnlp/imdb",
                "revision": "main",
                "path": "plain_text/train-00000-of-00001.parquet",
            },
        ),
        (
            "hf://datasets/stanfordnlp/imdb@refs%2Fconvert%2Fparquet/plain_text/x.parquet",
            {"revision": "refs/convert/parquet", "path": "plain_text/x.parquet"},
        ),
        (
            "hf://datasets/stanfordnlp/imdb/plain_text/x.parquet",
            {"repo": "stanfordnlp/imdb", "revision": None, "path": "plain_text/x.parquet"},
        ),
        (
            "https://huggingface.co/datasets/stanfordnlp/imdb/resolve/"
            "e6281661ce1c48d982bc483cf8a173c1bbeb5d31/plain_text/train.parquet",
            {
                "repo": "stanfordnlp/imdb",
                "revision": "e6281661ce1c48d982bc483cf8a173c1bbeb5d31",
                "commit": "e6281661ce1c48d982bc483cf8a173c1bbeb5d31",
                "path": "plain_text/train.parquet",
            },
        ),
        ("gs://bucket/key.csv", {"kind": "gs"}),
        ("https://example.com/data.csv", {"kind": "https"}),
    ],
)
def test_uris_are_parsed(uri: str, expected: dict[str, object]) -> None:
    parsed = parse_uri(uri)
    assert parsed is not None
    assert parsed["uri"] == uri
    assert {key: parsed.get(key) for key in expected} == expected


def test_credentials_and_signed_queries_are_not_kept() -> None:
    signed = parse_uri("https://user:pw@example.com/d.csv?X-Amz-Signature=abc&X-Amz-Expires=60")
    assert signed == {"kind": "https", "uri": "https://example.com/d.csv"}


@pytest.mark.parametrize("text", ["data/train.csv", "/abs/path.csv", "C:\\data\\x.csv", ""])
def test_local_paths_are_not_uris(text: str) -> None:
    assert parse_uri(text) is None
    assert detect_sources(None, text) == []

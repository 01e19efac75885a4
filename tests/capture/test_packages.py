from __future__ import annotations

import importlib.metadata
from pathlib import Path

from trackrecord.capture.packages import installed_packages


def _dist_info(site: Path, folder: str, metadata: bytes, filename: str = "METADATA") -> None:
    (site / folder).mkdir(parents=True)
    (site / folder / filename).write_bytes(metadata)


def test_installed_packages_match_importlib_metadata() -> None:
    packages = installed_packages()
    assert packages["pytest"] == importlib.metadata.version("pytest")
    assert list(packages) == sorted(packages, key=str.lower)


def test_name_and_version_come_from_the_header_only(tmp_path: Path) -> None:
    _dist_info(
        tmp_path,
        "Foo_Bar-1.0.dist-info",
        b"Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\n\nVersion: 9.9 in the text\n",
    )
    _dist_info(tmp_path, "old-2.0.egg-info", b"Name: old\nVersion: 2.0\n", "PKG-INFO")
    found = installed_packages(importlib.metadata.distributions(path=[str(tmp_path)]))
    assert found == {"Foo_Bar": "1.0", "old": "2.0"}


def test_first_of_two_installs_wins_as_for_import(tmp_path: Path) -> None:
    _dist_info(tmp_path / "first", "foo_bar-1.0.dist-info", b"Name: foo_bar\nVersion: 1.0\n")
    _dist_info(tmp_path / "second", "Foo.Bar-2.0.dist-info", b"Name: Foo.Bar\nVersion: 2.0\n")
    paths = [str(tmp_path / "first"), str(tmp_path / "second")]
    assert installed_packages(importlib.metadata.distributions(path=paths)) == {"foo_bar": "1.0"}


def test_broken_installs_are_skipped_not_raised(tmp_path: Path) -> None:
    (tmp_path / "empty-1.0.dist-info").mkdir()
    _dist_info(tmp_path, "latin-1.0.dist-info", b"Name: caf\xe9\nVersion: 1.0\n")
    # A Version line in the description is not the header's.
    _dist_info(tmp_path, "noversion-1.0.dist-info", b"Name: noversion\n\nVersion: 1.0\n")
    _dist_info(tmp_path, "crlf-1.0.dist-info", b"Name: crlf\r\n\r\nVersion: 1.0\r\n")
    _dist_info(tmp_path, "good-1.0.dist-info", b"Name: good\nVersion: 1.0\n")
    found = installed_packages(importlib.metadata.distributions(path=[str(tmp_path)]))
    assert found == {"good": "1.0"}

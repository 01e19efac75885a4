"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.stores import Zoo, make_zoo


@pytest.fixture(scope="session")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Zoo:
    """One store for every test that only reads it."""
    return make_zoo(tmp_path_factory.mktemp("zoo") / "store")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """This test's own store directory (created by its first run)."""
    return tmp_path / "store"

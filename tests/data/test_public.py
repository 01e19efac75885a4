"""``trackrecord.data``: every module's ``__all__`` resolves, is documented, and its
docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

import trackrecord.data

MODULES = [
    "trackrecord.data",
    "trackrecord.data.canonical",
    "trackrecord.data.content",
    "trackrecord.data.datasheet",
    "trackrecord.data.digest",
    "trackrecord.data.frames",
    "trackrecord.data.profile",
    "trackrecord.data.sources",
]


def test_the_package_exports_the_interface_log_dataset_calls() -> None:
    assert trackrecord.data.__all__ == sorted(trackrecord.data.__all__)
    assert {"describe_data", "hash_file", "hash_directory", "manifest_digest", "Datasheet"} <= set(
        trackrecord.data.__all__
    )


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_resolves_and_is_documented(name: str) -> None:
    module = importlib.import_module(name)
    assert inspect.getdoc(module)
    for exported in module.__all__:
        value = getattr(module, exported)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{exported} has no docstring"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

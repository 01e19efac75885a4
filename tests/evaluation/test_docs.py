"""The examples in the evaluation modules' docstrings run and are right."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import trackrecord.evaluation as package

MODULES = [package.__name__] + [
    f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no example"

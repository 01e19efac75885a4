"""The public API: ``trackrecord.__all__`` is complete, documented and cheap to import."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

import trackrecord


@pytest.mark.parametrize("name", trackrecord.__all__)
def test_every_name_in_all_resolves(name: str) -> None:
    assert getattr(trackrecord, name) is not None


def test_all_lists_every_lazily_loaded_name() -> None:
    lazy = set(trackrecord._LAZY)
    assert lazy, "the lazy loader defines no names"
    assert lazy <= set(trackrecord.__all__), sorted(lazy - set(trackrecord.__all__))


def test_all_lists_every_public_class_and_function_of_the_package() -> None:
    public = {
        name
        for name, value in vars(trackrecord).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "").startswith("trackrecord")
    }
    assert public <= set(trackrecord.__all__), sorted(public - set(trackrecord.__all__))


def test_all_is_sorted_without_duplicates() -> None:
    assert list(trackrecord.__all__) == sorted(set(trackrecord.__all__))


def test_dir_shows_the_public_names() -> None:
    assert set(trackrecord.__all__) <= set(dir(trackrecord))


def test_an_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        trackrecord.no_such_thing  # noqa: B018


@pytest.mark.parametrize(
    "name",
    [n for n in trackrecord.__all__ if not n.startswith("__")],
)
def test_public_classes_and_functions_have_docstrings(name: str) -> None:
    value = getattr(trackrecord, name)
    assert inspect.isclass(value) or callable(value), name
    doc = inspect.getdoc(value)
    assert doc and len(doc.strip()) > 10, f"trackrecord.{name} has no docstring"
    if inspect.isclass(value):
        own = {k for k, v in vars(value).items() if not k.startswith("_") and callable(v)}
        for method in own:
            assert inspect.getdoc(getattr(value, method)), f"{name}.{method} has no docstring"


def test_exceptions_derive_from_the_one_base() -> None:
    errors = [getattr(trackrecord, n) for n in trackrecord.__all__ if n.endswith("Error")]
    assert len(errors) >= 7
    assert all(issubclass(e, trackrecord.TrackRecordError) for e in errors)
    assert issubclass(trackrecord.InvalidValueError, ValueError)
    assert issubclass(trackrecord.ConfigurationError, ValueError)
    assert issubclass(trackrecord.NotFoundError, LookupError)
    assert issubclass(trackrecord.MissingDependencyError, ImportError)


def test_version_matches_the_installed_distribution() -> None:
    from importlib.metadata import version

    assert trackrecord.__version__ == version("trackrecord")


HEAVY = ("numpy", "sqlite3", "_sqlite3", "pandas", "pyarrow", "PIL", "matplotlib", "click")


def test_import_trackrecord_loads_no_heavy_modules() -> None:
    probe = (
        "import sys, json; import trackrecord; "
        f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == []


def test_heavy_modules_load_on_first_use() -> None:
    probe = (
        "import sys, json; import trackrecord; trackrecord.init; "
        "print(json.dumps(['numpy' in sys.modules, 'sqlite3' in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == [True, True]

"""The integrations load no machine-learning library until one is used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["sklearn", "xgboost", "lightgbm", "torch", "optuna", "keras", "lightning", "transformers"]


def _loaded_after(statement: str) -> list[str]:
    heavy = set(HEAVY)
    code = f"import sys, json; {statement}; print(json.dumps(sorted(set(sys.modules) & {heavy!r})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout))


@pytest.mark.parametrize("statement", [
    "import trackrecord",
    "import trackrecord.integrations",
    "import trackrecord.integrations.sklearn",
    "import trackrecord.integrations.lightgbm",
    "import trackrecord.integrations.pytorch",
    "import trackrecord.integrations.optuna",
])  # fmt: skip
def test_importing_loads_no_framework(statement: str) -> None:
    assert _loaded_after(statement) == []


def test_the_xgboost_module_names_the_pip_line_when_xgboost_is_missing() -> None:
    code = (
        "import sys; sys.modules['xgboost'] = None\n"
        "try:\n    import trackrecord.integrations.xgboost\n"
        "except ImportError as exc:\n    print(exc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install xgboost" in done.stdout


def test_each_integration_is_reachable_from_the_package() -> None:
    import importlib

    import trackrecord

    for name in ("sklearn", "xgboost", "lightgbm", "pytorch", "optuna", "keras", "lightning",
                 "transformers"):  # fmt: skip
        module = importlib.import_module(f"trackrecord.integrations.{name}")
        assert getattr(trackrecord, name) is module

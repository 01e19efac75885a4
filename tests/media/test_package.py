"""The package surface: a complete __all__ and an import that loads no heavy library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import trackrecord.media
from trackrecord.media import image, png, table, text, types

HEAVY = ["numpy", "pandas", "pyarrow", "PIL", "matplotlib", "polars", "torch"]


def test_all_reexports_every_public_name_of_the_submodules() -> None:
    submodule_names = {
        name for module in (image, png, table, text, types) for name in module.__all__
    }

    assert set(trackrecord.media.__all__) == submodule_names
    for name in trackrecord.media.__all__:
        assert getattr(trackrecord.media, name) is not None


def heavy_modules_loaded_by(statement: str) -> list[str]:
    src = Path(trackrecord.media.__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), *sys.path])}
    script = f"{statement}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    return sorted(name for name in HEAVY if name in loaded)


def test_importing_media_loads_no_heavy_library() -> None:
    # Compared with importing the parent package alone, so that this test is
    # about trackrecord.media whatever trackrecord/__init__.py may import.
    before = heavy_modules_loaded_by("import trackrecord")
    after = heavy_modules_loaded_by("import trackrecord.media")

    assert [name for name in after if name not in before] == []

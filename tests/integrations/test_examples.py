"""The examples that docs/integrations/*.md show run, and record what the pages say."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

import trackrecord

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "integrations").glob("*.py"))


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_each_example_runs_and_finishes_its_run(path: Path, tmp_path: Path) -> None:
    from trackrecord.integrations import sklearn as tr_sklearn

    try:
        run_id = _load(path).main(tmp_path)
    finally:
        tr_sklearn.autolog(disable=True)  # the sklearn example turns autolog on
    with trackrecord.Api(dir=tmp_path) as api:
        run = api.run(run_id)
        assert run.status == "finished"
        assert run.params and run.summaries
        assert any(a.path.startswith("models/model/") for a in api.artifacts(run_id))


PAGES = sorted(p for p in (ROOT / "docs" / "integrations").glob("*.md") if p.name != "README.md")


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_each_docs_page_shows_its_example_verbatim(page: Path) -> None:
    named = re.findall(r"examples/integrations/(\w+\.py)", page.read_text(encoding="utf-8"))
    assert named, f"{page.name} names no runnable example"
    for name in named:
        example = ROOT / "examples" / "integrations" / name
        assert example.exists()
        assert example.read_text(encoding="utf-8") in page.read_text(encoding="utf-8")

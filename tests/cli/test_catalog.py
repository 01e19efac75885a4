"""trackrecord datasets / models / lineage, on a store made with the real SDK."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.tree import DecisionTreeClassifier

import trackrecord
from trackrecord.cli import main


@pytest.fixture
def catalog_store(tmp_path: Path) -> tuple[Path, str, str]:
    """A preprocessing run that produced 'clean' from 'raw', and a training run that read
    'clean' and logged model 'clf'; returns (store, prep run id, train run id)."""
    store = tmp_path / "store"
    raw = tmp_path / "raw.csv"
    raw.write_text("x,y\n1,0\n2,1\n3,0\n4,1\n")
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]})
    with trackrecord.init("p", dir=store, capture=False) as prep:
        prep.log_dataset(raw, "raw", role="source")
        prep.log_dataset(frame, "clean", produced=True, datasheet={"origin": "export"})
    with trackrecord.init("p", dir=store, capture=False) as train:
        train.log_dataset(frame, "clean", role="train")
        train.log_model(DecisionTreeClassifier().fit(frame[["x"]], frame["y"]), "clf")
    return store, prep.id, train.id


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_datasets_commands_list_versions_and_their_runs(
    catalog_store: tuple[Path, str, str],
) -> None:
    store, prep, train = catalog_store
    listing = cli("datasets", "ls", "--dir", str(store))
    assert "clean" in listing and "raw" in listing
    shown = cli("datasets", "show", "clean", "--dir", str(store))
    assert f"{prep}" in shown and f"{train}" in shown and "produced as train" in shown
    assert "origin   export" in shown
    versions = json.loads(cli("datasets", "versions", "clean", "--json", "--dir", str(store)))
    assert [v["number"] for v in versions] == [1] and versions[0]["rows"] == 4


def test_models_register_alias_history_and_download(
    catalog_store: tuple[Path, str, str], tmp_path: Path
) -> None:
    store, _, train = catalog_store
    where = ("--dir", str(store))
    assert "version 1" in cli("models", "register", train[:10], "clf", "--name", "churn", *where)
    cli("models", "alias", "churn", "champion", "1", "--reason", "first good one", *where)
    assert "champion=v1" in cli("models", "ls", *where)
    history = cli("models", "history", "churn", "--verify", *where)
    assert "alias.set" in history and '"first good one"' in history and "OK: 3 events" in history
    cli("models", "update", "churn", "--version", "1", "--tag", "eval=holdout", "--description",
        "tree, depth unbounded", *where)  # fmt: skip
    (version,) = json.loads(cli("models", "versions", "churn", "--json", *where))
    assert version["tags"] == {"eval": "holdout"}
    assert version["description"] == "tree, depth unbounded"
    bad_tag = CliRunner().invoke(main, ["models", "update", "churn", "--tag", "oops", *where])
    assert bad_tag.exit_code == 2 and "KEY=VALUE" in bad_tag.output
    cli("models", "deprecate", "churn", "1", "--reason", "leak", *where)
    refused = CliRunner().invoke(main, ["models", "alias", "churn", "prod", "1", *where])
    assert refused.exit_code == 2 and "deprecated" in refused.output
    target = tmp_path / "download"
    cli("models", "download", "models:/churn@champion", str(target), *where)
    assert (target / "trackrecord-model.json").is_file()


def test_lineage_prints_a_tree_json_and_openlineage(catalog_store: tuple[Path, str, str]) -> None:
    store, prep, train = catalog_store
    where = ("--dir", str(store))
    tree = cli("lineage", f"run:{train}", "--upstream", *where)
    lines = tree.splitlines()
    assert lines[0].startswith(f"run:{train}")
    assert any("<- input: dataset:p/clean" in line for line in lines)
    assert any(f"<- output: run:{prep}" in line for line in lines)
    graph = json.loads(cli("lineage", "dataset:raw@1", "--downstream", "--json", *where))
    assert {n["kind"] for n in graph["nodes"]} == {"dataset", "run"}
    events = [json.loads(line) for line in cli("lineage", f"run:{train}", "--openlineage",
                                               *where).splitlines()]  # fmt: skip
    assert len(events) == 2
    uuid.UUID(events[0]["run"]["runId"])  # a UUID, as OpenLineage requires
    by_run = {e["run"]["facets"]["trackrecord"]["runId"]: e for e in events}
    assert [d["name"] for d in by_run[prep]["outputs"]] == ["clean"]
    assert [d["name"] for d in by_run[train]["inputs"]] == ["clean"]
    version = by_run[train]["inputs"][0]["facets"]["version"]["datasetVersion"]
    assert version == trackrecord.Api(dir=store).dataset("clean").digest
    bad = CliRunner().invoke(main, ["lineage", "what:ever", *where])
    assert bad.exit_code == 2 and "model:NAME/VERSION" in bad.output

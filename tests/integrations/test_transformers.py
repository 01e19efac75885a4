"""TrackRecordCallback on a real Trainer: a tiny BERT built from a config, nothing downloaded."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import trackrecord  # noqa: E402
from trackrecord.integrations.transformers import TrackRecordCallback  # noqa: E402
from trackrecord.sdk.run import Run  # noqa: E402


class Tokens(torch.utils.data.Dataset):  # type: ignore[misc]
    def __init__(self, size: int, seed: int, name: str | None = None) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, 100, (size, 8), generator=generator)
        if name is not None:  # as a datasets.Dataset tells its name
            self.info = SimpleNamespace(dataset_name=name)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"input_ids": self.ids[i], "labels": int(self.ids[i][0]) % 2}


def _train(out: Path, callback: TrackRecordCallback, epochs: int = 2) -> Any:
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=32)  # fmt: skip
    model = transformers.BertForSequenceClassification(config)
    args = transformers.TrainingArguments(
        output_dir=str(out / "tiny-bert"), num_train_epochs=epochs,
        per_device_train_batch_size=8, learning_rate=1e-3, logging_steps=1,
        eval_strategy="epoch", save_strategy="no", report_to=[], use_cpu=True,
        disable_tqdm=True, seed=0,
    )  # fmt: skip
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=Tokens(32, seed=1, name="random-tokens"),
        eval_dataset=Tokens(16, seed=2), callbacks=[callback],
    )  # fmt: skip
    trainer.train()
    return trainer


def test_args_model_losses_and_eval_metrics(tmp_path: Path) -> None:
    with trackrecord.init("hf", dir=tmp_path / "store", capture=False) as run:
        trainer = _train(tmp_path, TrackRecordCallback())
    history = trainer.state.log_history
    steps = [e for e in history if "loss" in e]
    evals = [e for e in history if "eval_loss" in e]
    assert len(steps) == trainer.state.global_step == 8 and len(evals) == 2
    with trackrecord.Api(dir=tmp_path / "store") as api:
        params = api.params(run.id)
        assert params["args.learning_rate"] == 1e-3 and params["args.num_train_epochs"] == 2
        assert params["args.logging_steps"] == 1 and params["args.report_to"] == []
        assert params["args.eval_strategy"] == "epoch"
        assert params["model.architecture"] == "BertForSequenceClassification"
        assert params["model.model_type"] == "bert" and params["model.hidden_size"] == 16
        assert params["model.num_labels"] == 2
        total = sum(p.numel() for p in trainer.model.parameters())
        assert params["model.num_parameters"] == total
        tags = api.tags(run.id)
        assert tags["model_card.model_name"] == "tiny-bert"
        assert tags["model_card.task"] == "text-classification"
        assert tags["model_card.datasets"] == "random-tokens"
        loss = api.metric_history(run.id, "train/loss")
        assert loss.values.tolist() == pytest.approx([e["loss"] for e in steps])
        assert loss.steps.tolist() == [e["step"] for e in steps]
        rate = api.metric_history(run.id, "train/learning_rate")
        assert rate.values.tolist() == pytest.approx([e["learning_rate"] for e in steps])
        eval_loss = api.metric_history(run.id, "eval/loss")
        assert eval_loss.values.tolist() == pytest.approx([e["eval_loss"] for e in evals])
        assert eval_loss.steps.tolist() == [4, 8]
        summaries = api.run(run.id).summaries
        assert summaries["train_runtime"].count == 1 and "eval/runtime" in summaries
        assert summaries["train_loss"].count == 1
        assert not [a for a in api.artifacts(run.id) if a.path.startswith("models/")]


def test_without_a_run_it_starts_one_logs_the_model_and_finishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path / "store"))
    callback = TrackRecordCallback(log_model=True)
    _train(tmp_path, callback, epochs=1)
    assert callback.run is None
    with trackrecord.Api(dir=tmp_path / "store") as api:
        (run,) = api.runs()
        assert run.status == "finished" and run.name == "transformers"
        files = {a.path for a in api.artifacts(run.id)}
        assert {"models/model/files/config.json", "models/model/files/model.safetensors"} <= files
        assert api.metric_history(run.id, "train/loss").values.size == 4
        folder = api.load_model(f"runs:/{run.id}/model", tmp_path / "loaded")
    loaded = transformers.BertForSequenceClassification.from_pretrained(folder)
    assert loaded.config.hidden_size == 16


def test_a_failing_item_warns_once_and_the_rest_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("read-only store")

    monkeypatch.setattr(Run, "set_tags", broken)
    with (
        trackrecord.init("hf", dir=tmp_path / "store", capture=False) as run,
        pytest.warns(trackrecord.TrackRecordWarning, match="model_card tags") as seen,
    ):
        _train(tmp_path, TrackRecordCallback(), epochs=1)
    assert len(seen) == 1
    with trackrecord.Api(dir=tmp_path / "store") as api:
        assert api.run(run.id).summaries["train/loss"].count == 4
        assert api.params(run.id)["model.model_type"] == "bert"

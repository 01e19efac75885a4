"""TrackRecordLogger on a real Lightning Trainer: hyperparameters, metrics, checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

lightning = pytest.importorskip("lightning")

import torch  # noqa: E402

import trackrecord  # noqa: E402
from trackrecord.integrations.lightning import TrackRecordLogger  # noqa: E402
from trackrecord.sdk.run import Run  # noqa: E402

# Lightning's advice (more DataLoader workers) and its LeafSpec notice under torch 2.13.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The '.*_dataloader' does not have many workers"),
    pytest.mark.filterwarnings(r"ignore:`isinstance\(treespec, LeafSpec\)`:FutureWarning"),
]


class Regressor(lightning.LightningModule):
    def __init__(self, hidden: int = 8, lr: float = 0.05) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(hidden, 1))  # fmt: skip
        self.seen: dict[str, list[float]] = {"train_loss": [], "val_loss": []}

    def training_step(self, batch: Any, index: int) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=False)
        self.seen["train_loss"].append(loss.item())
        return loss

    def validation_step(self, batch: Any, index: int) -> None:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("val_loss", loss)

    def on_validation_epoch_end(self) -> None:
        if not self.trainer.sanity_checking:
            self.seen["val_loss"].append(float(self.trainer.callback_metrics["val_loss"]))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def _loader(seed: int) -> torch.utils.data.DataLoader[Any]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 4, generator=generator)
    y = x.sum(dim=1, keepdim=True)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)


def _fit(tmp_path: Path, logger: TrackRecordLogger, epochs: int = 2) -> Regressor:
    torch.manual_seed(0)
    module = Regressor(hidden=8, lr=0.05)
    trainer = lightning.Trainer(
        max_epochs=epochs, logger=logger, enable_progress_bar=False,
        enable_model_summary=False, accelerator="cpu", log_every_n_steps=1,
        default_root_dir=tmp_path / "root",
    )  # fmt: skip
    trainer.fit(module, _loader(0), _loader(1))
    return module


def test_hyperparams_metrics_checkpoint_and_the_run_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path / "store"))
    logger = TrackRecordLogger(project="lit")
    module = _fit(tmp_path, logger)
    run_id = logger.version
    with trackrecord.Api(dir=tmp_path / "store") as api:
        run = api.run(run_id)
        assert run.status == "finished" and run.name == "lightning" and run.project == "lit"
        params = api.params(run_id)
        assert params["hidden"] == 8 and params["lr"] == 0.05
        train = api.metric_history(run_id, "train_loss")
        assert train.values.tolist() == pytest.approx(module.seen["train_loss"])
        assert train.steps.tolist() == list(range(8))  # 4 batches an epoch, 2 epochs
        val = api.metric_history(run_id, "val_loss")
        assert val.values.tolist() == pytest.approx(module.seen["val_loss"])
        assert val.steps.tolist() == [3, 7]
        paths = [a.path for a in api.artifacts(run_id)]
        assert any(p.startswith("checkpoints/") and p.endswith(".ckpt") for p in paths)


def test_a_given_run_is_used_and_left_running(tmp_path: Path) -> None:
    with trackrecord.init("lit", dir=tmp_path / "store", capture=False) as run:
        logger = TrackRecordLogger(run=run, log_model=False)
        _fit(tmp_path, logger, epochs=1)
        assert logger.experiment is run and logger.version == run.id
        assert run.status == "running"
    with trackrecord.Api(dir=tmp_path / "store") as api:
        assert api.run(run.id).summaries["train_loss"].count == 4
        assert not any(a.path.startswith("checkpoints/") for a in api.artifacts(run.id))


def test_a_failing_item_warns_once_and_the_rest_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("read-only store")

    monkeypatch.setattr(Run, "log_params", broken)
    with (
        trackrecord.init("lit", dir=tmp_path / "store", capture=False) as run,
        pytest.warns(trackrecord.TrackRecordWarning, match="hyperparameters") as seen,
    ):
        _fit(tmp_path, TrackRecordLogger(run=run), epochs=1)
    assert len([w for w in seen if w.category is trackrecord.TrackRecordWarning]) == 1
    with trackrecord.Api(dir=tmp_path / "store") as api:
        assert api.run(run.id).summaries["train_loss"].count == 4


def test_a_failed_fit_ends_the_run_it_started_as_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path / "store"))

    def explode(self: Regressor, batch: Any, index: int) -> torch.Tensor:
        raise RuntimeError("boom")

    monkeypatch.setattr(Regressor, "training_step", explode)
    logger = TrackRecordLogger()
    with pytest.raises(RuntimeError, match="boom"):
        _fit(tmp_path, logger, epochs=1)
    with trackrecord.Api(dir=tmp_path / "store") as api:
        assert api.run(logger.version).status == "failed"

"""A Lightning Trainer that logs to TrackRecord: hyperparameters, metrics, checkpoints.

Regression on the diabetes data with a small MLP. Run it with
``python examples/integrations/lightning_logger.py``; it prints the run id.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any

import lightning
import torch
from lightning.fabric.utilities.warnings import PossibleUserWarning
from sklearn.datasets import load_diabetes

import trackrecord
from trackrecord.integrations.lightning import TrackRecordLogger


class Regressor(lightning.LightningModule):
    def __init__(self, hidden: int = 32, lr: float = 0.01) -> None:
        super().__init__()
        self.save_hyperparameters()  # recorded as the params hidden and lr
        self.net = torch.nn.Sequential(
            torch.nn.Linear(10, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
        )

    def training_step(self, batch: Any, index: int) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, index: int) -> None:
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


def main(store: str | os.PathLike[str] | None = None, epochs: int = 5) -> str:
    """Train and record one run in *store* (default: TRACKRECORD_DIR); return its id."""
    torch.manual_seed(0)
    X, y = load_diabetes(return_X_y=True, scaled=True)
    inputs = torch.tensor(X, dtype=torch.float32)
    target = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32).unsqueeze(1)
    data = torch.utils.data.TensorDataset(inputs, target)
    train, valid = torch.utils.data.random_split(data, [350, 92])
    module = Regressor()
    with (
        trackrecord.init("diabetes", name="lightning-mlp", dir=store) as run,
        tempfile.TemporaryDirectory() as root,
        warnings.catch_warnings(),
    ):
        # Lightning's advice (DataLoader workers) and its LeafSpec notice under torch 2.13
        warnings.simplefilter("ignore", PossibleUserWarning)
        warnings.filterwarnings("ignore", r"`isinstance\(treespec, LeafSpec\)`", FutureWarning)
        trainer = lightning.Trainer(
            max_epochs=epochs, logger=TrackRecordLogger(run=run), default_root_dir=root,
            enable_progress_bar=False, enable_model_summary=False, accelerator="cpu",
        )  # fmt: skip
        trainer.fit(
            module,
            torch.utils.data.DataLoader(train, batch_size=32, shuffle=True),
            torch.utils.data.DataLoader(valid, batch_size=92),
        )
        run.log_model(module, "model")  # the checkpoints are artifacts already
    print(f"run {run.id}: val loss {float(trainer.callback_metrics['val_loss']):.3f}")
    return run.id


if __name__ == "__main__":
    main()

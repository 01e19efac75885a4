"""A plain PyTorch loop watched by TrackRecord: model summary, optimizer, lr, grad norm.

Regression on the diabetes data with a small MLP. Run it with
``python examples/integrations/pytorch_watch.py``; it prints the run id.
"""

from __future__ import annotations

import os

import torch
from sklearn.datasets import load_diabetes

import trackrecord
from trackrecord.integrations.pytorch import watch


def main(store: str | os.PathLike[str] | None = None, epochs: int = 20) -> str:
    """Train and record one run in *store* (default: TRACKRECORD_DIR); return its id."""
    torch.manual_seed(0)
    X, y = load_diabetes(return_X_y=True, scaled=True)
    inputs = torch.tensor(X, dtype=torch.float32)
    target = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32).unsqueeze(1)
    model = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
    with trackrecord.init("diabetes", name="mlp", dir=store) as run:
        watcher = watch(model, optimizer, scheduler, log_grad_norm=True)
        for epoch in range(epochs):
            loss = torch.nn.functional.mse_loss(model(inputs), target)
            loss.backward()
            watcher.step(loss=loss, step=epoch)  # after backward, before zero_grad
            optimizer.step()
            optimizer.zero_grad()
            scheduler.step()
        run.log_model(model, "model")
    print(f"run {run.id}: final loss {loss.item():.3f}")
    return run.id


if __name__ == "__main__":
    main()

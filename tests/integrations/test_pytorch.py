"""watch() on a real PyTorch loop: summary, optimizer and scheduler config, lr, grad norm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

import trackrecord
from trackrecord.integrations.pytorch import watch
from trackrecord.sdk.run import Run


def _loop(steps: int, **options: Any) -> tuple[Any, list[float], list[float], list[float]]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    model[0].bias.requires_grad_(False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    watcher = watch(model, optimizer, scheduler, log_grad_norm=True, **options)
    losses, rates, norms = [], [], []
    for step in range(steps):
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        watcher.step(loss=loss, step=step, batch=step * 2)
        losses.append(loss.item())
        rates.append(optimizer.param_groups[0]["lr"])
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1e9)))
        optimizer.step()
        optimizer.zero_grad()
        scheduler.step()
    watcher.close()
    return model, losses, rates, norms


def test_config_and_per_step_values(tmp_path: Path) -> None:
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        model, losses, rates, norms = _loop(5)
    api = trackrecord.Api(dir=tmp_path)
    params = api.params(run.id)
    assert params["model.parameters"] == 4 * 8 + 8 + 8 + 1
    assert params["model.trainable_parameters"] == 4 * 8 + 8 + 1
    assert params["optimizer.class"] == "SGD" and params["optimizer.momentum"] == 0.9
    assert params["optimizer.lr"] == 0.1
    assert params["scheduler.class"] == "StepLR" and params["scheduler.gamma"] == 0.5
    assert api.metric_history(run.id, "loss").values.tolist() == pytest.approx(losses)
    assert api.metric_history(run.id, "lr").values.tolist() == pytest.approx(rates)
    assert api.metric_history(run.id, "grad_norm").values.tolist() == pytest.approx(norms, rel=1e-5)
    assert api.metric_history(run.id, "batch").values.tolist() == [0, 2, 4, 6, 8]
    with api.open_artifact(run.id, "model_summary.txt") as summary:
        assert summary.read().decode() == str(model)


def test_a_failing_item_warns_once_and_the_rest_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("read-only store")

    monkeypatch.setattr(Run, "log_text", broken)
    with (
        trackrecord.init("p", dir=tmp_path, capture=False) as run,
        pytest.warns(trackrecord.TrackRecordWarning, match="model_summary.txt") as seen,
    ):
        _loop(3)
    assert len(seen) == 1
    assert trackrecord.Api(dir=tmp_path).run(run.id).summaries["loss"].count == 3


def test_without_a_run_watch_starts_one_and_close_finishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path))
    _loop(2)
    with trackrecord.Api(dir=tmp_path) as api:
        (run,) = api.runs()
        assert run.status == "finished" and run.name == "pytorch"

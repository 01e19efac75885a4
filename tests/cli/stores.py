"""Stores for the command-line tests, made by logging real runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

import trackrecord
from trackrecord.cli import main

Invoke = Callable[..., Result]

SPIKE_STEP = 500
SPIKE = 100.0


@dataclass(frozen=True)
class Zoo:
    """A store of four finished runs: three of project "mnist", one failed in "other"."""

    root: Path
    spiky: str  # lr 0.1; its loss has one spike of SPIKE at SPIKE_STEP
    medium: str  # lr 0.01
    small: str  # lr 0.001
    failed: str  # project "other", ended by a RuntimeError


def _mnist_run(root: Path, lr: float, spike: bool) -> str:
    config = {"optimizer": {"name": "adam", "lr": lr}, "batch": 32}
    with trackrecord.init(
        "mnist", dir=root, capture=False, config=config, tags={"stage": "dev"}
    ) as run:
        for step in range(1000):
            loss = SPIKE if spike and step == SPIKE_STEP else 1.0 / (step + 1)
            run.log({"loss": loss, "acc": step / 1000})
        run.log_text("report.txt", f"lr {lr}")
    return run.id


def make_zoo(root: Path) -> Zoo:
    """Log the runs of a :class:`Zoo` into *root*."""
    spiky, medium, small = (_mnist_run(root, lr, lr == 0.1) for lr in (0.1, 0.01, 0.001))
    try:
        with trackrecord.init("other", dir=root, capture=False) as run:
            run.log({"x": 1.0})
            raise RuntimeError("boom at step 1")
    except RuntimeError:
        pass
    return Zoo(root, spiky, medium, small, run.id)


def invoke_in(root: Path) -> Invoke:
    """Run ``trackrecord ARGS... --dir ROOT`` in-process."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, [*args, "--dir", str(root)], input=input)

    return invoke


def quick_run(root: Path, project: str = "p", **kwargs: object) -> trackrecord.Run:
    """A finished run with one metric point."""
    with trackrecord.init(project, dir=root, capture=False, **kwargs) as run:  # type: ignore[arg-type]
        run.log({"loss": 0.5})
    return run

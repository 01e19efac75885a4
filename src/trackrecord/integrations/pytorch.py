"""Watch a plain PyTorch training loop: model summary, optimizer config, lr, grad norm.

Example:
    >>> import trackrecord
    >>> from trackrecord.integrations.pytorch import watch
    >>> with trackrecord.init("mnist"):  # doctest: +SKIP
    ...     watcher = watch(model, optimizer, scheduler, log_grad_norm=True)
    ...     for step, (x, y) in enumerate(loader):
    ...         loss = loss_fn(model(x), y)
    ...         loss.backward()
    ...         watcher.step(loss=loss, step=step)  # after backward, before zero_grad
    ...         optimizer.step(); optimizer.zero_grad(); scheduler.step()

At ``watch``: the text artifact ``model_summary.txt`` (the module tree) and the params
``model.class``, ``model.parameters``, ``model.trainable_parameters``,
``optimizer.class``, ``optimizer.<hyperparameter>`` (its defaults: ``lr``,
``weight_decay``, ``betas`` ...), ``optimizer.param_groups`` and
``scheduler.class``, ``scheduler.<setting>`` (``step_size``, ``gamma`` ...).

At each ``step()``: ``loss`` (when given), ``lr`` (``lr/group_<i>`` with several
param groups), ``grad_norm`` (the global L2 norm of all gradients, on request; it
reads every gradient, so it costs a little) and any other metric passed by keyword.

With ``run=None`` it logs to the active run, or starts a run named ``pytorch``
that ``close()`` (or leaving ``with watch(...)``) finishes.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from trackrecord.integrations._safe import ItemLogger, active_run, json_value, start_run

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["Watch", "watch"]


def watch(
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    run: Run | None = None,
    log_grad_norm: bool = False,
    log_lr: bool = True,
) -> Watch:
    """Log *model*'s summary and the optimizer and scheduler config; return a :class:`Watch`.

    Args:
        model: a ``torch.nn.Module``.
        optimizer: its ``torch.optim.Optimizer``, for the config and the learning rate.
        scheduler: a learning-rate scheduler, for its config.
        run: the run to log to (default: the active run, else a new one).
        log_grad_norm: log ``grad_norm`` at each ``step()``.
        log_lr: log the learning rate at each ``step()``.
    """
    items = ItemLogger("pytorch watch")
    owned = run is None and active_run() is None
    chosen = run or active_run() or items.attempt("the run (trackrecord.init)",
                                                  lambda: start_run("pytorch"))  # fmt: skip
    watcher = Watch(chosen, model, optimizer, items, log_grad_norm, log_lr, owned)
    if chosen is not None:
        watcher.log_config(scheduler)
    return watcher


class Watch:
    """Made by :func:`watch`; call :meth:`step` once per training step."""

    def __init__(
        self, run: Run | None, model: Any, optimizer: Any, items: ItemLogger,
        log_grad_norm: bool, log_lr: bool, owned: bool,
    ) -> None:  # fmt: skip
        self.run = run
        self.model = model
        self.optimizer = optimizer
        self.log_grad_norm = log_grad_norm
        self.log_lr = log_lr
        self._items = items
        self._owned = owned

    def log_config(self, scheduler: Any) -> None:
        """Log the model summary and the optimizer's and scheduler's settings."""
        run, model = self.run, self.model
        if run is None:
            return
        self._items.attempt(
            "model_summary.txt", lambda: run.log_text("model_summary.txt", str(model))
        )
        self._items.attempt("model params", lambda: run.log_params(model_params(model)))
        if self.optimizer is not None:
            config = optimizer_params(self.optimizer)
            self._items.attempt("optimizer params", lambda: run.log_params(config))
        if scheduler is not None:
            settings = scheduler_params(scheduler)
            self._items.attempt("scheduler params", lambda: run.log_params(settings))

    def step(self, loss: Any = None, step: int | None = None, **metrics: Any) -> None:
        """Log ``loss``, the learning rate, the gradient norm (if asked) and *metrics*.

        Call it after ``loss.backward()`` and before ``optimizer.zero_grad()`` when
        ``log_grad_norm`` is on, so that the gradients are still there.
        """
        run = self.run
        if run is None:
            return
        values = dict(metrics)
        if loss is not None:
            values["loss"] = loss.item() if hasattr(loss, "item") else loss
        if self.log_lr and self.optimizer is not None:
            self._items.attempt("lr", lambda: values.update(learning_rates(self.optimizer)))
        if self.log_grad_norm:
            self._items.attempt("grad_norm", lambda: values.update(grad_norm=grad_norm(self.model)))
        self._items.attempt("step metrics", lambda: run.log(values, step=step))

    def close(self) -> None:
        """Finish the run when ``watch`` started it."""
        run, self.run = self.run, None
        if run is not None and self._owned:
            self._items.attempt("the run's end", run.finish)

    def __enter__(self) -> Watch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def model_params(model: Any) -> dict[str, Any]:
    """The module's class and its parameter counts (all, and trainable)."""
    parameters = list(model.parameters())
    return {"model": {
        "class": type(model).__name__,
        "parameters": sum(p.numel() for p in parameters),
        "trainable_parameters": sum(p.numel() for p in parameters if p.requires_grad),
    }}  # fmt: skip


def optimizer_params(optimizer: Any) -> dict[str, Any]:
    """The optimizer's class, its defaults (``lr``, ``betas`` ...) and its group count."""
    settings = {k: json_value(v) for k, v in optimizer.defaults.items() if v is not None}
    settings.update(
        {"class": type(optimizer).__name__, "param_groups": len(optimizer.param_groups)}
    )
    return {"optimizer": settings}


def scheduler_params(scheduler: Any) -> dict[str, Any]:
    """The scheduler's class and its public settings (not its progress)."""
    state = scheduler.state_dict()
    settings = {k: json_value(v) for k, v in state.items()
                if not k.startswith("_") and k not in ("last_epoch", "base_lrs")
                and isinstance(json_value(v), (bool, int, float, str, list))}  # fmt: skip
    settings["class"] = type(scheduler).__name__
    return {"scheduler": settings}


def learning_rates(optimizer: Any) -> dict[str, float]:
    """``lr`` of the only param group, or ``lr/group_<i>`` of each."""
    groups = optimizer.param_groups
    if len(groups) == 1:
        return {"lr": float(groups[0]["lr"])}
    return {f"lr/group_{i}": float(group["lr"]) for i, group in enumerate(groups)}


def grad_norm(model: Any) -> float:
    """The global L2 norm of all gradients (as ``clip_grad_norm_`` computes it)."""
    import torch

    norms = [torch.linalg.vector_norm(p.grad.detach()) for p in model.parameters()
             if p.grad is not None]  # fmt: skip
    if not norms:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack(norms)).item())

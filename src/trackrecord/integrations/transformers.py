"""A Hugging Face ``transformers`` Trainer callback that records the run as it trains.

Example:
    >>> from transformers import Trainer
    >>> from trackrecord.integrations.transformers import TrackRecordCallback
    >>> trainer = Trainer(model, args, train_dataset=train, eval_dataset=valid,
    ...                   callbacks=[TrackRecordCallback(log_model=True)])  # doctest: +SKIP
    >>> trainer.train()  # doctest: +SKIP

Set ``report_to=[]`` (or ``"none"``) in ``TrainingArguments`` so that no other tracker
is also started. It logs:

* at the start of training: the params ``args.<field>`` (every JSON-able field of
  ``TrainingArguments.to_dict()``: ``args.learning_rate``, ``args.num_train_epochs``
  ...), ``model.<key>`` (``model.architecture``, ``model.class``, ``model.model_type``,
  ``model.num_parameters``, ``model.trainable_parameters`` and the config's sizes:
  ``model.hidden_size``, ``model.num_hidden_layers``, ``model.vocab_size`` ...) and the
  tags ``model_card.model_name``, ``model_card.library``, ``model_card.base_model`` (a
  pretrained checkpoint's name), ``model_card.task`` (from the architecture, when known)
  and ``model_card.datasets`` (a ``datasets.Dataset``'s name, when it has one);
* at each Trainer log (every ``logging_steps``), at step = ``state.global_step``: the
  training values as ``train/<key>`` (``train/loss``, ``train/learning_rate``,
  ``train/grad_norm``, ``train/epoch``) and the evaluation values as ``eval/<key>``
  (``eval_loss`` as ``eval/loss``, ``eval_accuracy`` as ``eval/accuracy`` ...);
* at the end: the final metrics under their own names (``train_runtime``,
  ``train_samples_per_second``, ``train_steps_per_second``, ``train_loss``,
  ``total_flos``) and, when ``log_model``, the model as ``save_pretrained`` writes it,
  as the model ``model`` (flavor ``directory``).

With ``run=None`` it logs to the active run, or starts a run named ``transformers``
at the start of training and finishes it at the end.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.integrations._boosting import RunHolder
from trackrecord.integrations._safe import ItemLogger, json_value
from trackrecord.models.flavors._flavor import require

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = [
    "TrackRecordCallback",
    "args_params",
    "model_card_tags",
    "model_params",
    "split_logs",
]

_transformers = require("transformers", "transformers", "trackrecord.integrations.transformers")
_TrainerCallback: Any = _transformers.TrainerCallback

FINAL_KEYS = ("train_runtime", "train_samples_per_second", "train_steps_per_second",
              "train_loss", "total_flos")  # fmt: skip
CONFIG_KEYS = (
    "model_type", "hidden_size", "num_hidden_layers", "num_attention_heads",
    "intermediate_size", "vocab_size", "max_position_embeddings", "num_labels",
    "d_model", "n_layer", "n_head", "n_embd", "n_positions", "hidden_act", "dtype",
    "torch_dtype", "problem_type",
)  # fmt: skip
TASKS = (  # architecture suffix -> the model card's task tag
    ("ForSequenceClassification", "text-classification"),
    ("ForTokenClassification", "token-classification"),
    ("ForQuestionAnswering", "question-answering"),
    ("ForCausalLM", "text-generation"),
    ("ForMaskedLM", "fill-mask"),
    ("ForConditionalGeneration", "text2text-generation"),
    ("ForSeq2SeqLM", "text2text-generation"),
    ("ForMultipleChoice", "multiple-choice"),
    ("ForImageClassification", "image-classification"),
    ("ForAudioClassification", "audio-classification"),
    ("ForObjectDetection", "object-detection"),
    ("ForSemanticSegmentation", "image-segmentation"),
    ("ForCTC", "automatic-speech-recognition"),
    ("ForSpeechSeq2Seq", "automatic-speech-recognition"),
)
MAX_TAG = 250


class TrackRecordCallback(_TrainerCallback):  # type: ignore[misc]
    """Log the training arguments, model config, per-log metrics and final metrics.

    Args:
        run: the run to log to (default: the active run, else a new one).
        log_model: store the trained model (``save_pretrained``) as the model ``model``.
    """

    def __init__(self, run: Run | None = None, log_model: bool = False) -> None:
        super().__init__()
        self.log_model = log_model
        self._items = ItemLogger("transformers callback")
        self._holder = RunHolder(run, self._items, "transformers")
        self._final: dict[str, Any] = {}

    @property
    def run(self) -> Run | None:
        """The run being logged to, between the start and the end of training."""
        return self._holder.run

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        run = self._holder.open()
        if run is None:
            return
        self._final = {}
        model = kwargs.get("model")
        items = self._items
        items.attempt("args params", lambda: run.log_params({"args": args_params(args)}))
        if model is not None:
            items.attempt("model params", lambda: run.log_params({"model": model_params(model)}))
        datasets = [getattr(kwargs.get(k), "dataset", None)
                    for k in ("train_dataloader", "eval_dataloader")]  # fmt: skip
        items.attempt("model_card tags",
                      lambda: run.set_tags(model_card_tags(args, model, datasets)))  # fmt: skip

    def on_log(
        self, args: Any, state: Any, control: Any, logs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        run = self._holder.run
        if run is None or not logs or not state.is_world_process_zero:
            return
        if "train_runtime" in logs:  # the final metrics: logged at the end
            self._final = dict(logs)
            return
        values = split_logs(logs)
        kind = "eval metrics" if any(k.startswith("eval/") for k in values) else "train metrics"
        if values:
            self._items.attempt(kind, lambda: run.log(values, step=int(state.global_step)))

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        run = self._holder.run
        if run is None:
            return
        if state.is_world_process_zero:
            final = self._final or next(
                (e for e in reversed(state.log_history) if "train_runtime" in e), {}
            )
            values = {k: v for k, v in final.items() if k in FINAL_KEYS and _number(v)}
            step = int(state.global_step)
            if values:
                self._items.attempt("final metrics", lambda: run.log(values, step=step))
            model = kwargs.get("model")
            if self.log_model and model is not None:
                self._items.attempt("the model", lambda: _log_pretrained(run, model))
        self._holder.close()


def args_params(args: Any) -> dict[str, Any]:
    """The JSON-able fields of ``TrainingArguments.to_dict()`` (tokens come redacted)."""
    params: dict[str, Any] = {}
    for key, value in args.to_dict().items():
        converted = json_value(value)
        if isinstance(converted, Mapping) and not converted:
            continue  # an empty dict is no param
        if isinstance(converted, str) and not isinstance(value, str):
            continue  # not JSON-able: left out rather than stored as its repr
        try:
            json.dumps(converted, allow_nan=False)
        except (TypeError, ValueError):
            continue
        params[key] = converted
    return params


def model_params(model: Any) -> dict[str, Any]:
    """Architecture, class, parameter counts and the config's main sizes."""
    config = getattr(model, "config", None)
    architectures = getattr(config, "architectures", None) or [type(model).__name__]
    parameters = list(model.parameters())
    params: dict[str, Any] = {
        "architecture": str(architectures[0]),
        "class": type(model).__name__,
        "num_parameters": sum(p.numel() for p in parameters),
        "trainable_parameters": sum(p.numel() for p in parameters if p.requires_grad),
    }
    settings = config.to_dict() if config is not None else {}
    for key in CONFIG_KEYS:
        value = json_value(settings.get(key, getattr(config, key, None)))
        if isinstance(value, (bool, int, float, str)):
            params[key] = value
    return params


def model_card_tags(args: Any, model: Any, datasets: list[Any]) -> dict[str, str]:
    """The model card's name, library, base model, task and dataset names, as known."""
    config = getattr(model, "config", None)
    base = str(getattr(config, "name_or_path", "") or "")
    name = getattr(args, "hub_model_id", None) or Path(str(args.output_dir)).name or base
    tags = {"model_card.model_name": name, "model_card.library": "transformers"}
    if base and Path(base).name != name:
        tags["model_card.base_model"] = base
    architecture = (getattr(config, "architectures", None) or [type(model).__name__])[0]
    task = next((t for suffix, t in TASKS if str(architecture).endswith(suffix)), None)
    if task:
        tags["model_card.task"] = task
    names = []
    for dataset in datasets:
        info = getattr(dataset, "info", None)
        found = getattr(info, "dataset_name", None) or getattr(info, "builder_name", None)
        if found and str(found) not in names:
            names.append(str(found))
    if names:
        tags["model_card.datasets"] = ", ".join(names)
    return {k: v[:MAX_TAG] for k, v in tags.items() if v}


def split_logs(logs: Mapping[str, Any]) -> dict[str, float]:
    """A Trainer log as metrics: ``eval_<key>`` as ``eval/<key>``, the rest as ``train/<key>``.

    In an evaluation log (one with ``eval_`` keys) the other keys (``epoch``) go under
    ``eval/`` too, so that the two series never share a name.
    """
    evaluation = any(str(k).startswith("eval_") for k in logs)
    values: dict[str, float] = {}
    for key, value in logs.items():
        if not _number(value):
            continue
        key = str(key)
        if key.startswith("eval_"):
            values[f"eval/{key[5:]}"] = float(value)
        else:
            values[f"{'eval' if evaluation else 'train'}/{key}"] = float(value)
    return values


def _number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return hasattr(value, "item") and getattr(value, "ndim", None) == 0


def _log_pretrained(run: Run, model: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="trackrecord-hf-") as tmp:
        model.save_pretrained(tmp)
        run.log_model(Path(tmp), "model", flavor="directory")

"""A Hugging Face Trainer recorded by TrackRecord: args, model config, losses, the model.

A tiny BERT, built from a config (nothing is downloaded), learns to tell whether a
sequence of random token ids starts with an even id. Run it with
``python examples/integrations/transformers_trainer.py``; it prints the run id.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    Trainer,
    TrainingArguments,
)

import trackrecord
from trackrecord.integrations.transformers import TrackRecordCallback


class Tokens(torch.utils.data.Dataset[dict[str, Any]]):
    """Random token ids; the label is whether the first id is even."""

    def __init__(self, size: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, 100, (size, 8), generator=generator)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, Any]:
        ids = self.ids[i]
        return {"input_ids": ids, "labels": int(ids[0]) % 2}


def main(store: str | os.PathLike[str] | None = None, epochs: int = 2) -> str:
    """Train and record one run in *store* (default: TRACKRECORD_DIR); return its id."""
    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32)  # fmt: skip
    model = BertForSequenceClassification(config)
    with tempfile.TemporaryDirectory() as out:  # the Trainer's output_dir
        args = TrainingArguments(
            output_dir=os.path.join(out, "bert-tokens"), num_train_epochs=epochs,
            per_device_train_batch_size=8, learning_rate=1e-3, logging_steps=2,
            eval_strategy="epoch", save_strategy="no", report_to=[], use_cpu=True,
            disable_tqdm=True,
        )  # fmt: skip
        with trackrecord.init("tokens", name="bert", dir=store) as run:
            trainer = Trainer(
                model=model, args=args, train_dataset=Tokens(64, seed=1),
                eval_dataset=Tokens(32, seed=2), callbacks=[TrackRecordCallback(log_model=True)],
            )  # fmt: skip
            trainer.train()
    print(f"run {run.id}: final eval loss {trainer.state.log_history[-2]['eval_loss']:.3f}")
    return run.id


if __name__ == "__main__":
    main()

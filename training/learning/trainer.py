"""The ``transformers.Trainer`` of the event model and its console output.

Its evaluation also runs the inference path on the dev articles and logs their headline
metrics (entity, trigger, argument, event F1). Its output is one log line per logging step
and one per evaluation (:class:`LogLines`), a progress bar only on a terminal, and no
framework bars or dict dumps.
"""

from __future__ import annotations

import logging
from typing import Any

from transformers import PrinterCallback, ProgressCallback, Trainer, TrainerCallback

from arabic_events.model.extractor import EventExtractor
from arabic_events.model.linking import AliasTable
from arabic_events.model.loading import quiet_transformers, set_normal_permissions
from arabic_events.training.evaluation.predict import evaluate_records
from arabic_events.training.evaluation.scoring import headline

logger = logging.getLogger(__name__)

_TIMING = ("runtime", "per_second", "flos")


class LogLines(TrainerCallback):
    """Log one readable line per logging step and per evaluation.

        >>> from types import SimpleNamespace
        >>> s = SimpleNamespace(global_step=20, max_steps=100, epoch=1.0, is_world_process_zero=True)
        >>> LogLines.format(s, {"loss": 8.8812, "learning_rate": 4.9e-4, "grad_norm": 6.1})
        'step 20/100 (epoch 1.00): loss 8.881, learning rate 0.00049, grad norm 6.1'
    """

    def __init__(self) -> None:
        self.eval_loss: float | None = None

    @staticmethod
    def format(state: Any, logs: dict[str, Any], eval_loss: float | None = None) -> str | None:
        where = f"step {state.global_step}/{state.max_steps} (epoch {state.epoch or 0:.2f})"
        if "loss" in logs:
            speed = f", {logs['tokens_per_second']:.0f} tokens/s" if "tokens_per_second" in logs else ""
            return (f"{where}: loss {logs['loss']:.4g}, learning rate {logs.get('learning_rate', 0):.2g}, "
                    f"grad norm {logs.get('grad_norm', float('nan')):.3g}{speed}")
        dev = {k[5:]: v for k, v in logs.items() if k.startswith("eval_") and k != "eval_loss"
               and isinstance(v, (int, float)) and not k.endswith(_TIMING)}
        if dev:
            loss = f", loss {eval_loss:.4g}" if eval_loss is not None else ""
            return f"{where} dev: " + ", ".join(f"{k} {v:.3f}" for k, v in dev.items()) + loss
        if "train_runtime" in logs:
            return f"training done: {state.global_step} steps in {logs['train_runtime']:.0f} s"
        return None

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        logs = logs or {}
        if not state.is_world_process_zero:
            return
        if "eval_loss" in logs and len([k for k in logs if k.startswith("eval_") and not k.endswith(_TIMING)]) == 1:
            self.eval_loss = logs["eval_loss"]  # the loss half of an evaluation: logged with its metrics
            return
        line = self.format(state, logs, self.eval_loss)
        if line:
            logger.info(line)
            self.eval_loss = None


class TrainingBar(ProgressCallback):
    """The training progress bar alone: no dict dumps, no nested evaluation bars."""

    def on_log(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_prediction_step(self, *args: Any, **kwargs: Any) -> None:
        pass


class QuietTrainer(Trainer):
    """A Trainer that reports through :class:`LogLines` and a bare progress bar, saves without
    framework bars, and gives saved files the usual permissions."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.remove_callback(PrinterCallback)
        if self.pop_callback(ProgressCallback) is not None:
            self.add_callback(TrainingBar)
        self.add_callback(LogLines)

    def _save(self, output_dir: str | None = None, state_dict: Any = None) -> None:
        with quiet_transformers():
            super()._save(output_dir, state_dict)
        if output_dir and self.args.should_save:  # only the main process writes (several processes: DDP)
            set_normal_permissions(output_dir)


class EventTrainer(QuietTrainer):
    """A Trainer whose evaluation adds ``eval_<metric>`` for each headline metric of the dev articles."""

    def __init__(self, *args: Any, dev_records: list[dict[str, Any]] | None = None,
                 aliases: AliasTable | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.dev_records = dev_records or []
        self.aliases = aliases
        self.last_report: dict[str, Any] | None = None

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        has_loss_data = eval_dataset is not None or self.eval_dataset is not None
        metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix) if has_loss_data else {}
        if self.dev_records:
            extractor = EventExtractor(self.model, self.processing_class, self.aliases,
                                       device=next(self.model.parameters()).device)
            self.last_report = evaluate_records(extractor, self.dev_records)
            extra = {f"{metric_key_prefix}_{k}": v for k, v in headline(self.last_report).items()}
            self.log(extra)
            metrics.update(extra)
            self.model.train()
        return metrics

"""The ``transformers.Trainer`` of the event model: its evaluation also runs the inference path
on the dev articles and logs their headline metrics (entity, trigger, argument, event F1)."""

from __future__ import annotations

from typing import Any

from transformers import Trainer

from arabic_events.model.extractor import EventExtractor
from arabic_events.model.linking import AliasTable
from arabic_events.training.evaluation.predict import evaluate_records
from arabic_events.training.evaluation.scoring import headline


class EventTrainer(Trainer):
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

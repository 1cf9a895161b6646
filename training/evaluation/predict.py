"""Running the inference path on annotated records, and scoring it: the one place both the
trainer (dev metrics at every evaluation) and the evaluate command do it."""

from __future__ import annotations

from typing import Any

from arabic_events.model.extractor import EventExtractor
from arabic_events.training.evaluation.scoring import score


def predict_records(extractor: EventExtractor, records: list[dict[str, Any]], batch_size: int | None = None,
                    show_progress_bar: bool = False) -> list[dict[str, Any]]:
    """The extractor's predictions on ``records`` as SCHEMA.md records (same ids)."""
    docs = extractor.extract([r["text"] for r in records], [(r.get("meta") or {}).get("published") for r in records],
                             batch_size=batch_size, show_progress_bar=show_progress_bar, return_documents=True)
    return [d.to_record(r["id"]) for d, r in zip(docs, records)]


def evaluate_records(extractor: EventExtractor, records: list[dict[str, Any]], batch_size: int | None = None,
                     show_progress_bar: bool = False) -> dict[str, Any]:
    """The scoring report (SCHEMA.md "Metrics") of the extractor on ``records``."""
    return score(records, predict_records(extractor, records, batch_size, show_progress_bar))

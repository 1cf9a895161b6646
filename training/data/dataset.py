"""Splits by article, the article-level ``DatasetDict``, window features and their collator.

    >>> check_splits({"train": ["a"], "dev": ["b"], "test": ["c"]}, ["a", "b", "c"])
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from arabic_events.training.data.bio import AlignmentReport, encode_record

logger = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "dev", "test")


def load_splits(path: str | Path) -> dict[str, list[str]]:
    """The split file: ``{"train": [record ids], "dev": [...], "test": [...]}``."""
    with open(path, encoding="utf-8") as fh:
        splits = json.load(fh)
    unknown = set(splits) - set(SPLIT_NAMES)
    if unknown:
        raise ValueError(f"{path}: unknown split names {sorted(unknown)} (allowed: {', '.join(SPLIT_NAMES)})")
    return {k: list(v) for k, v in splits.items()}


def check_splits(splits: dict[str, list[str]], record_ids: Sequence[str]) -> None:
    """Raise ValueError when an article is in two splits or a split names an unknown article."""
    seen: dict[str, str] = {}
    known = set(record_ids)
    for name, ids in splits.items():
        for rid in ids:
            if rid in seen:
                raise ValueError(f"article {rid!r} is in two splits: {seen[rid]} and {name}")
            if rid not in known:
                raise ValueError(f"split {name} names article {rid!r}, which no annotation file holds")
            seen[rid] = name


def split_records(records: list[dict[str, Any]], splits: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    """Records per split, in split-file order; records named by no split are left out (logged)."""
    check_splits(splits, [r["id"] for r in records])
    by_id = {r["id"]: r for r in records}
    out = {name: [by_id[i] for i in ids] for name, ids in splits.items()}
    unused = set(by_id) - {i for ids in splits.values() for i in ids}
    if unused:
        logger.warning("%d records are in no split: %s", len(unused), sorted(unused)[:10])
    return out


def _flat_span(span: dict[str, Any]) -> dict[str, Any]:
    ref = span.get("ref")
    return {"id": span["id"], "start": span["start"], "end": span["end"], "label": span["label"],
            "ref": [ref] if isinstance(ref, str) else list(ref or []), "event": span.get("event"),
            "mode": span.get("mode"), "modality": span.get("modality"), "value": span.get("value")}


def build_dataset_dict(records: list[dict[str, Any]], splits: dict[str, list[str]]):
    """A ``datasets.DatasetDict`` of articles (one row per article) per split."""
    from datasets import Dataset, DatasetDict

    parts = split_records(records, splits)
    return DatasetDict({
        name: Dataset.from_list([{
            "id": r["id"], "text": r["text"], "published": (r.get("meta") or {}).get("published"),
            "spans": [_flat_span(s) for s in r["spans"]],
            "relations": [{"head": x["head"], "tail": x["tail"], "label": x["label"]} for x in r["relations"]],
        } for r in recs]) for name, recs in parts.items()
    })


def window_features(records: list[dict[str, Any]], tokenizer: Any, max_tokens: int, normalization: str = "project",
                    featurizer: Any = None, gazetteers: Sequence[dict[str, list[str]] | None] | None = None
                    ) -> tuple[list[dict[str, Any]], AlignmentReport]:
    """Training features of every window of ``records`` and the combined alignment report (with
    word inputs from ``featurizer``; ``gazetteers[i]``, when given, replaces its gazetteer for
    ``records[i]``)."""
    feats: list[dict[str, Any]] = []
    report = AlignmentReport()
    for k, rec in enumerate(records):
        gaz = gazetteers[k] if gazetteers is not None else None
        f, rep = encode_record(rec, tokenizer, max_tokens, normalization, featurizer, gaz)
        feats += f
        report.update(rep)
    return feats, report


class WindowCollator:
    """Pads window features into tensors (labels -100, spans/pairs with zeros)."""

    def __init__(self, pad_token_id: int = 0):
        self.pad = pad_token_id

    def __call__(self, batch: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        n_tok = max(len(b["input_ids"]) for b in batch)
        n_span = max(1, max(len(b["spans"]) for b in batch))
        n_pair = max(len(b["pairs"]) for b in batch)
        n_tp = max(len(b["trigger_pairs"]) for b in batch)

        def pad(key: str, length: int, value: Any) -> torch.Tensor:
            return torch.tensor([list(b[key]) + [value] * (length - len(b[key])) for b in batch])

        out = {
            "input_ids": pad("input_ids", n_tok, self.pad),
            "attention_mask": pad("attention_mask", n_tok, 0),
            "entity_labels": pad("entity_labels", n_tok, -100),
            "event_labels": pad("event_labels", n_tok, -100),
            "spans": pad("spans", n_span, [0, 0, 0]),
            "mode_labels": pad("mode_labels", n_span, -100),
            "modality_labels": pad("modality_labels", n_span, -100),
        }
        out["pairs"] = pad("pairs", n_pair, [0, 0]) if n_pair else torch.zeros(len(batch), 0, 2, dtype=torch.long)
        out["pair_labels"] = pad("pair_labels", n_pair, -100) if n_pair else torch.zeros(len(batch), 0, dtype=torch.long)
        out["trigger_pairs"] = pad("trigger_pairs", n_tp, [0, 0]) if n_tp else torch.zeros(len(batch), 0, 2, dtype=torch.long)
        out["coref_labels"] = pad("coref_labels", n_tp, -100) if n_tp else torch.zeros(len(batch), 0, dtype=torch.long)
        if "word_ids" in batch[0]:
            out["word_ids"] = pad("word_ids", n_tok, 0)
            out["word_flags"] = pad("word_flags", n_tok, [0.0] * len(batch[0]["word_flags"][0]))
        return out

"""Helpers used only by the tests (reference implementations and inverses of library functions)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from arabic_events.model.decoding import bio_to_spans
from arabic_events.model.text import Normalized, Window, make_windows, normalize
from arabic_events.model.viterbi import allowed_transitions


def is_valid_bio(tags: Sequence[str]) -> bool:
    """True when every I-X follows B-X or I-X."""
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def spans_to_bio(spans: Sequence[tuple[str, int, int]], length: int) -> list[str]:
    """Inverse of :func:`bio_to_spans` for non-overlapping spans."""
    tags = ["O"] * length
    for label, first, last in spans:
        tags[first] = f"B-{label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{label}"
    return tags


def path_score(log_probs: np.ndarray, path: Sequence[int], tags: Sequence[str]) -> float:
    """Sum of ``log_probs`` along ``path``; ``-inf`` when the path breaks a BIO constraint."""
    start, trans = allowed_transitions(tags)
    if not len(path):
        return 0.0
    if not start[path[0]] or not all(trans[a, b] for a, b in zip(path[:-1], path[1:])):
        return float("-inf")
    return float(sum(log_probs[t, k] for t, k in enumerate(path)))


def tags_to_char_spans(tags: list[str], window: Window, norm: Normalized) -> list[tuple[str, int, int]]:
    """Decode one window's BIO tags (no special tokens) to (label, start, end) in the raw text."""
    out = []
    for label, first, last in bio_to_spans(tags):
        s, e = window.offsets[first][0], window.offsets[last][1]
        out.append((label, *norm.to_original(s, e)))
    return out


def record_windows(record: dict[str, Any], tokenizer: Any, max_tokens: int) -> tuple[Normalized, list[Window]]:
    """The normalised text and windows of a record (as used by :func:`encode_record`)."""
    norm = normalize(record["text"])
    return norm, make_windows(norm.text, tokenizer, max_tokens)


def tiny_config(folder: Path, seed_file: Path, output_dir: str | Path, **overrides: object) -> Path:
    """A fine-tuning config for a 1-layer, 32-wide BERT on the seed articles (4 train, 1 dev),
    written to ``folder/tiny.yaml``; ``overrides`` replace or add keys (``None`` drops one)."""
    splits = folder / "splits.json"
    splits.write_text(json.dumps({"train": ["seed-000", "seed-001", "seed-002", "seed-003"], "dev": ["seed-004"]}))
    keys: dict[str, object] = {
        "model_name_or_path": "scratch", "scratch_vocab_size": 800, "scratch_hidden_size": 32, "scratch_layers": 1,
        "scratch_heads": 2, "scratch_intermediate_size": 64, "max_tokens": 62, "span_hidden": 16, "pair_hidden": 16,
        "annotation_files": f"[{seed_file}]", "splits_file": str(splits), "output_dir": str(output_dir),
        "report_to": "none", "use_cpu": "true"}
    keys.update(overrides)
    cfg = folder / "tiny.yaml"
    cfg.write_text("".join(f"{k}: {v}\n" for k, v in keys.items() if v is not None))
    return cfg


def rounded(obj):
    """Floats to 4 places, in nested dicts and lists: padding in a batch changes the last bits of
    the encoder's output."""
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rounded(v) for v in obj]
    return obj

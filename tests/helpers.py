"""Helpers used only by the tests (reference implementations and inverses of library functions)."""

from __future__ import annotations

from collections.abc import Sequence
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

"""Words with raw-text offsets, word-level BIO from records, and spans back from word tags.

    >>> text = "بحث وبوتين، اليوم"
    >>> [(w.text, w.start, w.end) for w in words_of(text)]
    [('بحث', 0, 3), ('وبوتين', 4, 10), ('،', 10, 11), ('اليوم', 12, 17)]
    >>> rec = {"text": text, "spans": [{"id": "s1", "start": 5, "end": 10, "label": "PER"}]}
    >>> word_tags(rec, words_of(text), ("PER",))
    ['O', 'B-PER', 'O', 'O']
    >>> spans_of_tags(['O', 'B-PER', 'O', 'O'], words_of(text))
    [('PER', 4, 10)]
"""

from __future__ import annotations

from typing import Any

from arabic_events.model.decoding import bio_to_spans
from arabic_events.model.word_features import Word, words_of

__all__ = ["Word", "words_of", "word_tags", "spans_of_tags"]


def word_tags(record: dict[str, Any], words: list[Word], labels: tuple[str, ...]) -> list[str]:
    """BIO tags of ``words`` for the spans of ``record`` with a label in ``labels``: every word a
    span overlaps is inside it (a span that starts inside a word, after a clitic, takes the word)."""
    tags = ["O"] * len(words)
    for s in sorted((s for s in record["spans"] if s["label"] in labels), key=lambda s: (s["start"], -s["end"])):
        inside = [i for i, w in enumerate(words) if w.start < s["end"] and w.end > s["start"]]
        if not inside or any(tags[i] != "O" for i in inside):
            continue  # overlapping spans of one layer: the first (longest) stays
        tags[inside[0]] = f"B-{s['label']}"
        for i in inside[1:]:
            tags[i] = f"I-{s['label']}"
    return tags


def spans_of_tags(tags: list[str], words: list[Word]) -> list[tuple[str, int, int]]:
    """(label, start, end) character spans of word BIO tags."""
    return [(label, words[a].start, words[b].end) for label, a, b in bio_to_spans(tags)]

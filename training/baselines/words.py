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

from arabic_events.model.feature_crf import spans_of_tags, word_tags
from arabic_events.model.word_features import Word, words_of

__all__ = ["Word", "words_of", "word_tags", "spans_of_tags"]

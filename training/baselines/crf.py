"""A word-level feature CRF for both BIO layers (entities; triggers + TOPIC), the classical
baseline: word, normalised form, 1-3 character affixes, clitic-stripped form, word shape,
neighbours within two words, and a gazetteer of the training articles' names built leave one
article out (an article's own names never feed its own training features).

Needs ``python-crfsuite`` (``pip install ".[baselines]"``).

    >>> from arabic_events.training.baselines.crf import word_features
    >>> from arabic_events.training.baselines.words import words_of
    >>> f = word_features(words_of("وبوتين"), {})[0]
    >>> f["stem"], f["shape"], f["p1"]
    ('بوتين', 'arabic', 'و')
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from arabic_events.model.extractor import Document
from arabic_events.model.feature_crf import train_crfsuite, word_features
from arabic_events.model.schema import ENTITY_LABELS, EVENT_LAYER_LABELS, EVENT_TYPES, Event, Mention
from arabic_events.model.word_features import word_form, words_of
from arabic_events.training.baselines.words import spans_of_tags

logger = logging.getLogger(__name__)

LAYERS = {"entities": ENTITY_LABELS, "events": EVENT_LAYER_LABELS}


def norm_word(w: str) -> str:
    return word_form(w)


class CrfTagger:
    """Two CRFs (entities; triggers + TOPIC) over words; :meth:`predict` gives SCHEMA records
    (each predicted trigger is its own event, with no arguments: the CRF finds spans only).

    The defaults (L1 0.1, L2 0.01, 200 iterations) were the best of four settings in 3-fold CV
    on the 68 train+dev articles (entity / layer-2 / trigger F1 0.678 / 0.258 / 0.347, against
    0.686 / 0.235 / 0.319 for L1 = L2 = 0.05); extra neighbour affix and bigram features did not
    help."""

    def __init__(self, c1: float = 0.1, c2: float = 0.01, max_iterations: int = 200):
        self.params = {"c1": c1, "c2": c2, "max_iterations": max_iterations}
        self.gaz: dict[str, list[str]] = {}
        self.models: dict[str, Path] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="crf-")

    def fit(self, records: list[dict[str, Any]]) -> CrfTagger:
        for layer, labels in LAYERS.items():
            path = Path(self._dir.name) / f"{layer}.crfsuite"
            self.gaz = train_crfsuite(records, labels, path, **self.params)
            self.models[layer] = path
        return self

    def predict(self, record: dict[str, Any]) -> dict[str, Any]:
        """The predicted record of ``record``'s text (same id)."""
        import pycrfsuite

        text = record["text"]
        words = words_of(text)
        feats = word_features(words, self.gaz)
        mentions: list[Mention] = []
        for path in self.models.values():
            tagger = pycrfsuite.Tagger()
            tagger.open(str(path))
            tags = tagger.tag(feats) if words else []
            mentions += [Mention(text[s:e], label, s, e) for label, s, e in spans_of_tags(tags, words)]
        mentions.sort(key=lambda m: (m.start, m.end))
        events = [Event(m.label, triggers=[m]) for m in mentions if m.label in EVENT_TYPES]
        return Document(text, mentions, [], events).to_record(record["id"])

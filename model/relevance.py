"""Is this article political news at all? An article-level gate in front of the event records.

The event model reads sentences: a football coach's phone call or a singer who "announces" her
retirement look like CONSULT or AGREE to it. Of the 1,393 annotated events, 1,373 are in articles
of the corpus's news sections (international, Middle East) or economy; sport, culture and
technology articles hardly ever hold one. :class:`RelevanceFilter` is a naive Bayes classifier
over the words of an article (clitic-stripped forms, each counted once), trained on the section
labels of the corpus's 31k articles, never on annotated ones; the extractor returns no event for
an article it finds off topic (``p_off_topic > threshold``), and keeps its mentions.

    >>> f = RelevanceFilter.fit([("قمة وزير خارجية", "news"), ("مباراة هدف لاعب", "sport")] * 3,
    ...                         on_topic=["news"], min_count=1)
    >>> round(f.p_off_topic("سجل اللاعب هدفا في المباراة"), 3), round(f.p_off_topic("وزير الخارجية في القمة"), 3)
    (0.8, 0.015)
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .loading import save_json_atomic
from .word_features import WORD_RE, stem, word_form

FILE_NAME = "relevance.json"
FORMAT_VERSION = 1
#: sections of the ANT corpus whose articles carry political events (economy: sanctions, trade deals)
ON_TOPIC_SECTIONS = ("internationalNews", "middleEast", "economy")
#: characters of an article read (the title and lead decide what an article is about)
READ_CHARS = 3000


def article_words(text: str) -> set[str]:
    """The distinct clitic-stripped word forms of an article's first :data:`READ_CHARS` characters.

        >>> sorted(article_words("الرئيس والرئيس، في"))
        ['رئيس', 'في']
    """
    return {_stem_form(w) for w in set(WORD_RE.findall(text[:READ_CHARS])) if len(w) > 1}


@lru_cache(maxsize=200_000)
def _stem_form(word: str) -> str:
    return stem(word_form(word))


class RelevanceFilter:
    """Log-odds that an article is off topic: ``prior + sum of the weights of its words``.

    Args:
        weights: word -> log P(word | off topic) - log P(word | on topic) (multinomial naive
            Bayes with add-one smoothing over the words' article counts).
        prior: log P(off topic) - log P(on topic) of the training articles.
        threshold: articles with ``p_off_topic`` above it get no events.
    """

    def __init__(self, weights: dict[str, float], prior: float, threshold: float = 0.5,
                 on_topic: Sequence[str] = ON_TOPIC_SECTIONS, articles: int = 0):
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"relevance threshold {threshold} must be between 0 and 1")
        self.weights = dict(weights)
        self.prior = float(prior)
        self.threshold = float(threshold)
        self.on_topic = list(on_topic)
        self.articles = articles

    @classmethod
    def fit(cls, articles: Iterable[tuple[str, str]], on_topic: Sequence[str] = ON_TOPIC_SECTIONS,
            min_count: int = 3, threshold: float = 0.5) -> RelevanceFilter:
        """Train on ``(text, section)`` pairs; ``on_topic`` names the sections of political news.
        Words in fewer than ``min_count`` articles are left out."""
        counts = {True: Counter(), False: Counter()}
        n = Counter()
        wanted = set(on_topic)
        for text, section in articles:
            on = section in wanted
            n[on] += 1
            counts[on].update(article_words(text))
        if not n[True] or not n[False]:
            raise ValueError(f"the relevance filter needs articles of both kinds: {n[True]} on topic "
                             f"({', '.join(on_topic)}), {n[False]} off topic")
        vocab = [w for w in counts[True].keys() | counts[False].keys() if counts[True][w] + counts[False][w] >= min_count]
        total = {k: sum(counts[k][w] for w in vocab) + len(vocab) for k in (True, False)}
        weights = {w: math.log((counts[False][w] + 1) / total[False]) - math.log((counts[True][w] + 1) / total[True])
                   for w in sorted(vocab)}
        return cls(weights, math.log(n[False] / n[True]), threshold, list(on_topic), n[True] + n[False])

    def log_odds(self, text: str) -> float:
        """log P(off topic | text) - log P(on topic | text)."""
        return self.prior + sum(self.weights.get(w, 0.0) for w in article_words(text))

    def p_off_topic(self, text: str) -> float:
        """Probability that ``text`` is not political news (0..1)."""
        z = self.log_odds(text)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def is_off_topic(self, text: str) -> bool:
        return self.p_off_topic(text) > self.threshold

    # ---- persistence ----
    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, "prior": self.prior, "threshold": self.threshold,
                "on_topic": self.on_topic, "articles": self.articles,
                "weights": {w: round(v, 4) for w, v in self.weights.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str = "relevance filter") -> RelevanceFilter:
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise ValueError(f"{where}: not a relevance filter of format {FORMAT_VERSION}")
        try:
            return cls(data["weights"], data["prior"], data["threshold"], data["on_topic"], data.get("articles", 0))
        except (KeyError, TypeError) as e:
            raise ValueError(f"{where}: missing or malformed key {e}") from None

    def save(self, directory: str | Path) -> Path:
        """Write ``relevance.json`` into ``directory`` (atomically)."""
        return save_json_atomic(Path(directory) / FILE_NAME, self.to_json(), compact=True)

    @classmethod
    def load(cls, directory: str | Path) -> RelevanceFilter | None:
        """The filter saved in ``directory``, or None when it has none."""
        path = Path(directory) / FILE_NAME
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise OSError(f"{path}: cannot read the relevance filter of this checkpoint ({e})") from None
        return cls.from_json(data, str(path))

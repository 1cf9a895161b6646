"""Word-level inputs of the encoder: what a word-level tagger knows and a sub-word encoder trained
on a few hundred articles does not learn.

Every sub-word token gets two extra inputs from the whole word it belongs to:

- ``word_ids``: the row of the word's static vector (FastText, trained on the 31k-article corpus)
  in the model's frozen ``word_vectors`` table; 0 for an unknown word;
- ``word_flags``: the labels the gazetteer gives the word's clitic-stripped form (PER, ROLE, GPE,
  ORG, LOC: the names of the training articles; and the event types whose triggers it was part
  of), its shape (digits, Arabic, Latin, punctuation), and whether the token starts the word.

:class:`WordFeaturizer` holds the vocabulary and the gazetteer; it is saved beside the weights as
``word_features.json`` and computes both inputs for any window, at training and at inference.

    >>> f = WordFeaturizer(["بوتين", "اتصال"], {"بوتين": ["PER"]})
    >>> text = "اتصال وبوتين"
    >>> ids, flags = f.token_inputs(text, [(0, 5), (6, 7), (7, 12)])
    >>> ids
    [2, 1, 1]
    >>> [FLAG_NAMES[k] for k, v in enumerate(flags[2]) if v]
    ['gaz=PER', 'shape=arabic']
    >>> stem("وبوتين"), stem("الرئيس")
    ('بوتين', 'رئيس')
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .schema import CLITICS, EVENT_TYPES
from .text import normalize

#: span labels whose names feed the gazetteer
GAZ_LABELS = ("PER", "ROLE", "GPE", "ORG", "LOC")
#: ... and the event types whose trigger words feed it (a trigger lexicon of the training articles)
LEXICON_LABELS = tuple(EVENT_TYPES)
SHAPES = ("digits", "arabic", "latin", "punct")
FLAG_NAMES = ([f"gaz={x}" for x in GAZ_LABELS] + [f"trigger={x}" for x in LEXICON_LABELS]
              + [f"shape={x}" for x in SHAPES] + ["word_start"])
_FLAG_INDEX = {**{x: k for k, x in enumerate(GAZ_LABELS)},
               **{x: len(GAZ_LABELS) + k for k, x in enumerate(LEXICON_LABELS)}}
FILE_NAME = "word_features.json"
FORMAT_VERSION = 2

# letters and digits with their diacritics, tatweel and superscript alef; or one punctuation mark
_WORD = re.compile(r"[\w\u0610-\u061A\u064B-\u065F\u0670\u0640\u06D6-\u06ED]+|[^\w\s\u200c-\u200f\u00ad]")


class Word(NamedTuple):
    text: str
    start: int
    end: int


def words_of(text: str) -> list[Word]:
    """The words and punctuation marks of ``text`` with their offsets.

    >>> [(w.text, w.start) for w in words_of("بحث وبوتين،")]
    [('بحث', 0), ('وبوتين', 4), ('،', 10)]
    """
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _words_around(text: str, offsets: Sequence[tuple[int, int]]) -> list[Word]:
    """The words of ``text`` that the tokens at ``offsets`` lie in (the window's stretch of the
    text, widened to whitespace on both sides), with offsets into ``text``.

        >>> [(w.text, w.start) for w in _words_around("قال بوتين إن", [(6, 9)])]
        [('بوتين', 4)]
    """
    if not offsets:
        return []
    a, b = min(x for x, _ in offsets), max(y for _, y in offsets)
    while a > 0 and not text[a - 1].isspace():
        a -= 1
    while b < len(text) and not text[b].isspace():
        b += 1
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text, a, b)]


@lru_cache(maxsize=200_000)
def word_form(word: str) -> str:
    """The project-normalised form of one word (the form the static vectors were trained on)."""
    return normalize(word).text


def stem(form: str) -> str:
    """One leading clitic and the article off: the form names repeat in."""
    if len(form) > 3 and form[0] in CLITICS:
        form = form[1:]
    if len(form) > 4 and form.startswith("ال"):
        form = form[2:]
    return form


def shape(form: str) -> str:
    """digits, arabic, latin or punct."""
    if form.isdigit():
        return "digits"
    if any("\u0600" <= c <= "\u06ff" for c in form):
        return "arabic"
    if form.isalpha():
        return "latin"
    return "punct"


def gazetteer_counts(record: dict[str, Any], labels: Iterable[str] = GAZ_LABELS) -> Counter:
    """(stem, label) counts of the words of one record's spans with a label in ``labels`` (the
    names, by default)."""
    c: Counter = Counter()
    text = record["text"]
    wanted = set(labels)
    for s in record["spans"]:
        if s["label"] in wanted:
            for w in words_of(text[s["start"]:s["end"]]):
                c[(stem(word_form(w.text)), s["label"])] += 1
    return c


def gazetteer_of(counts: Counter) -> dict[str, list[str]]:
    """stem -> sorted labels, from (stem, label) counts (one-letter stems left out)."""
    out: dict[str, set[str]] = defaultdict(set)
    for (st, lab), n in counts.items():
        if n > 0 and len(st) > 1:
            out[st].add(lab)
    return {k: sorted(v) for k, v in out.items()}


def leave_one_out_gazetteers(records: Sequence[dict[str, Any]]) -> tuple[dict[str, list[str]], list[dict[str, list[str]]]]:
    """(the gazetteer of all ``records``, for each record the gazetteer of all the others): an
    article's own names and triggers never feed its own training features, as at inference on a
    new article."""
    per = [gazetteer_counts(r, GAZ_LABELS + LEXICON_LABELS) for r in records]
    total: Counter = sum(per, Counter())
    return gazetteer_of(total), [gazetteer_of(total - own) for own in per]


class WordFeaturizer:
    """Vocabulary of the static word vectors (row k+1 of ``word_vectors`` is ``vocab[k]``) and the
    gazetteer of names; :meth:`token_inputs` gives the word inputs of a run of tokens."""

    def __init__(self, vocab: Sequence[str], gazetteer: dict[str, Sequence[str]]):
        self.vocab = list(vocab)
        self.index = {w: k + 1 for k, w in enumerate(self.vocab)}
        self.gazetteer = {k: list(v) for k, v in gazetteer.items()}

    @property
    def n_flags(self) -> int:
        return len(FLAG_NAMES)

    def word_id(self, form: str) -> int:
        """Row of a normalised word form: the form, else its stem, else 0 (unknown)."""
        return self.index.get(form) or self.index.get(stem(form), 0)

    def token_inputs(self, text: str, offsets: Sequence[tuple[int, int]],
                     gazetteer: dict[str, Sequence[str]] | None = None) -> tuple[list[int], list[list[float]]]:
        """(word ids, word flags) of tokens with character ``offsets`` into ``text`` (the
        normalised text they were cut from). ``gazetteer`` replaces the featurizer's own (the
        leave-one-out gazetteer of a training article)."""
        gaz = self.gazetteer if gazetteer is None else gazetteer
        words = _words_around(text, offsets)
        starts = [w.start for w in words]
        ids: list[int] = []
        flags: list[list[float]] = []
        n_gaz = len(GAZ_LABELS) + len(LEXICON_LABELS)
        per_word: dict[int, tuple[int, list[float]]] = {}  # a word's id and flags, for each of its tokens
        for a, b in offsets:
            k = bisect.bisect_right(starts, a) - 1
            if k < 0 or b <= a or a >= words[k].end:  # a token outside every word (should not happen)
                ids.append(0)
                flags.append([0.0] * len(FLAG_NAMES))
                continue
            w = words[k]
            if k not in per_word:
                form = word_form(w.text)
                base = [0.0] * len(FLAG_NAMES)
                for lab in gaz.get(stem(form), ()):
                    if lab in _FLAG_INDEX:
                        base[_FLAG_INDEX[lab]] = 1.0
                base[n_gaz + SHAPES.index(shape(form))] = 1.0
                per_word[k] = (self.word_id(form), base)
            wid, base = per_word[k]
            row = base.copy()
            row[-1] = 1.0 if a <= w.start else 0.0
            ids.append(wid)
            flags.append(row)
        return ids, flags

    # ---- persistence ----
    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, "flags": FLAG_NAMES, "vocab": self.vocab, "gazetteer": self.gazetteer}

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str = "word features") -> WordFeaturizer:
        if data.get("format") != FORMAT_VERSION or data.get("flags") != FLAG_NAMES:
            raise ValueError(f"{where}: format {data.get('format')} with flags {data.get('flags')} is not the "
                             f"format {FORMAT_VERSION} this version reads")
        return cls(data["vocab"], data["gazetteer"])

    def save(self, directory: str | Path) -> Path:
        """Write ``word_features.json`` into ``directory`` (atomically)."""
        path = Path(directory) / FILE_NAME
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, directory: str | Path) -> WordFeaturizer:
        path = Path(directory) / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise OSError(f"{path}: cannot read the word features of this checkpoint ({e})") from None
        return cls.from_json(data, str(path))


def vocabulary(texts: Iterable[str], known: Sequence[str], top: int) -> list[str]:
    """The word vocabulary of a model: the ``top`` first words of ``known`` (a vector model's
    vocabulary, most frequent first) plus every word form of ``texts``, in that order."""
    out = list(dict.fromkeys(known[:top]))
    seen = set(out)
    for text in texts:
        for w in words_of(text):
            f = word_form(w.text)
            if f not in seen:
                seen.add(f)
                out.append(f)
    return out

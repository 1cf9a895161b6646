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

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .loading import save_json_atomic
from .schema import CLITICS, EVENT_TYPES
from .text import normalize

#: span labels whose names feed the gazetteer
GAZ_LABELS = ("PER", "ROLE", "GPE", "ORG", "LOC")
#: ... and the event types whose trigger words feed it (a trigger lexicon of the training articles)
LEXICON_LABELS = tuple(EVENT_TYPES)
SHAPES = ("digits", "arabic", "latin", "punct")
FLAG_NAMES = ([f"gaz={x}" for x in GAZ_LABELS] + [f"trigger={x}" for x in LEXICON_LABELS]
              + [f"shape={x}" for x in SHAPES] + ["word_start"])
_N_GAZ = len(GAZ_LABELS) + len(LEXICON_LABELS)
_FLAG_INDEX = {**{x: k for k, x in enumerate(GAZ_LABELS)},
               **{x: len(GAZ_LABELS) + k for k, x in enumerate(LEXICON_LABELS)}}
FILE_NAME = "word_features.json"
FORMAT_VERSION = 2

# letters and digits with their diacritics, tatweel and superscript alef; or one punctuation mark
WORD_RE = re.compile(r"[\w\u0610-\u061A\u064B-\u065F\u0670\u0640\u06D6-\u06ED]+|[^\w\s\u200c-\u200f\u00ad]")


class Word(NamedTuple):
    text: str
    start: int
    end: int


def words_of(text: str) -> list[Word]:
    """The words and punctuation marks of ``text`` with their offsets.

    >>> [(w.text, w.start) for w in words_of("بحث وبوتين،")]
    [('بحث', 0), ('وبوتين', 4), ('،', 10)]
    """
    return [Word(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


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


class TextWords(NamedTuple):
    """The words of one text: character ``starts`` and ``ends``, vector rows ``ids`` and ``flags``
    (one row per word, ``word_start`` left 0), as arrays."""

    starts: np.ndarray
    ends: np.ndarray
    ids: np.ndarray
    flags: np.ndarray

    def token_arrays(self, offsets: Sequence[tuple[int, int]] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(word ids, word flags) of tokens at character ``offsets``: each token takes the row of
        the word it starts in, and ``word_start`` when it starts that word; a token outside every
        word gets zeros.

            >>> tw = WordFeaturizer(["قال"], {}).text_words("قال بوتين")
            >>> ids, flags = tw.token_arrays([(0, 3), (4, 6), (6, 9)])
            >>> ids.tolist(), flags[:, -1].tolist()
            ([1, 0, 0], [1.0, 1.0, 0.0])
        """
        off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        a, b = off[:, 0], off[:, 1]
        k = np.searchsorted(self.starts, a, side="right") - 1
        kk = np.clip(k, 0, None)
        inside = (k >= 0) & (b > a) & (a < self.ends[kk]) if len(self.starts) else np.zeros(len(a), bool)
        ids = np.where(inside, self.ids[kk] if len(self.ids) else 0, 0)
        flags = np.zeros((len(a), len(FLAG_NAMES)), dtype=np.float32)
        if len(self.starts):
            flags[inside] = self.flags[kk[inside]]
            flags[inside, -1] = (a[inside] <= self.starts[kk[inside]]).astype(np.float32)
        return ids, flags


class KeptRows:
    """Per-word rows computed once and kept in tables that grow by doubling, for at most
    ``max_kept`` distinct words (past it, every kept row is dropped and the tables start
    afresh: memory stays bounded). ``compute(words)`` gives the new words' rows, one array per
    table, first axis per word.

        >>> kept = KeptRows(lambda ws: (np.array([len(w) for w in ws]),))
        >>> idx = kept.indices(["ab", "c", "ab"], max_kept=10)
        >>> idx.tolist(), kept.tables[0][idx].tolist()
        ([0, 1, 0], [2, 1, 2])
    """

    def __init__(self, compute: Callable[[list[str]], tuple[np.ndarray, ...]]):
        self.compute = compute
        self.slot: dict[str, int] = {}  # word -> its row in the tables
        self.tables: tuple[np.ndarray, ...] = ()

    def indices(self, words: Sequence[str], max_kept: int) -> np.ndarray:
        """The row of each of ``words`` (new words are computed and kept first)."""
        new = [w for w in dict.fromkeys(words) if w not in self.slot]
        if len(self.slot) + len(new) > max_kept:
            self.slot.clear()
            new = list(dict.fromkeys(words))
        if new:
            rows = self.compute(new)
            first, end = len(self.slot), len(self.slot) + len(new)
            if not self.tables or end > len(self.tables[0]):
                cap = max(2 * len(self.tables[0]) if self.tables else 0, end, 1024)
                grown = tuple(np.zeros((cap, *r.shape[1:]), dtype=r.dtype) for r in rows)
                for g, t in zip(grown, self.tables):
                    g[:first] = t[:first]
                self.tables = grown
            for t, r in zip(self.tables, rows):
                t[first:end] = r
            self.slot.update(zip(new, range(first, end)))
        return np.fromiter((self.slot[w] for w in words), np.int64, len(words))


class WordFeaturizer:
    """Vocabulary of the static word vectors (row k+1 of ``word_vectors`` is ``vocab[k]``) and the
    gazetteer of names; :meth:`token_inputs` gives the word inputs of a run of tokens."""

    #: distinct words whose rows are kept between texts (past it, the kept rows are dropped)
    max_kept_words = 500_000

    def __init__(self, vocab: Sequence[str], gazetteer: dict[str, Sequence[str]]):
        self.vocab = list(vocab)
        self.index = {w: k + 1 for k, w in enumerate(self.vocab)}
        self.gazetteer = {k: list(v) for k, v in gazetteer.items()}
        # rows (vector row, flags) of the raw words seen so far (own gazetteer only)
        self._rows = KeptRows(self._own_rows)

    @property
    def n_flags(self) -> int:
        return len(FLAG_NAMES)

    def word_id(self, form: str) -> int:
        """Row of a normalised word form: the form, else its stem, else 0 (unknown)."""
        return self.index.get(form) or self.index.get(stem(form), 0)

    def _word_row(self, word: str, gaz: dict[str, Sequence[str]]) -> tuple[int, tuple[float, ...]]:
        """(vector row, flags without ``word_start``) of one raw word."""
        form = word_form(word)
        base = [0.0] * len(FLAG_NAMES)
        for lab in gaz.get(stem(form), ()):
            if lab in _FLAG_INDEX:
                base[_FLAG_INDEX[lab]] = 1.0
        base[_N_GAZ + SHAPES.index(shape(form))] = 1.0
        return self.word_id(form), tuple(base)

    def text_words(self, text: str, gazetteer: dict[str, Sequence[str]] | None = None) -> TextWords:
        """The words of a whole (normalised) text with their vector rows and flags, computed once
        and then looked up by every window of the text (:meth:`TextWords.token_arrays`).
        ``gazetteer`` replaces the featurizer's own (a training article's leave-one-out one)."""
        matches = list(WORD_RE.finditer(text))
        n = len(matches)
        starts = np.fromiter((m.start() for m in matches), np.int64, n)
        ends = np.fromiter((m.end() for m in matches), np.int64, n)
        words = [m.group() for m in matches]
        if gazetteer is not None:
            rows = [self._word_row(w, gazetteer) for w in words]
            flags = np.zeros((n, len(FLAG_NAMES)), dtype=np.float32)
            if n:
                flags[:] = [r[1] for r in rows]
            return TextWords(starts, ends, np.fromiter((r[0] for r in rows), np.int64, n), flags)
        # the featurizer's own gazetteer: a word's row never changes, so it is computed once and kept
        if not n:
            return TextWords(starts, ends, np.zeros(0, np.int64), np.zeros((0, len(FLAG_NAMES)), np.float32))
        idx = self._rows.indices(words, self.max_kept_words)
        ids, flags = self._rows.tables
        return TextWords(starts, ends, ids[idx], flags[idx])

    def _own_rows(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vector rows, flags) of ``words`` under the featurizer's own gazetteer."""
        rows = [self._word_row(w, self.gazetteer) for w in words]
        return (np.array([r[0] for r in rows], dtype=np.int64),
                np.array([r[1] for r in rows], dtype=np.float32).reshape(len(rows), len(FLAG_NAMES)))

    def token_inputs(self, text: str, offsets: Sequence[tuple[int, int]],
                     gazetteer: dict[str, Sequence[str]] | None = None) -> tuple[list[int], list[list[float]]]:
        """(word ids, word flags) of tokens with character ``offsets`` into ``text`` (the
        normalised text they were cut from), as lists. ``gazetteer`` replaces the featurizer's
        own (the leave-one-out gazetteer of a training article). Many windows of one text:
        :meth:`text_words` once, then :meth:`TextWords.token_arrays` per window."""
        ids, flags = self.text_words(text, gazetteer).token_arrays(offsets)
        return ids.tolist(), flags.tolist()

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
        return save_json_atomic(Path(directory) / FILE_NAME, self.to_json())

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

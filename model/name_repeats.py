"""Document-level name consistency: a person named once is named again by the surname alone.

News writes «رئيس الوزراء الأردني عمر الرزاز» once and «الرزاز» after it. The taggers see each
window alone and often miss the bare repeat; :func:`add_name_repeats` marks every further bare
occurrence of the last word of a confidently tagged person's name as that person (PER), and
joins it to a PER mention it touches (only spaces between), so that a name is never split.

    >>> from .schema import Mention
    >>> text = "قال عمر الرزاز إن الرزاز سيزور لندن"
    >>> ms = [Mention("عمر الرزاز", "PER", 4, 14, 0.95)]
    >>> [(m.text, m.start, round(m.confidence, 2)) for m in add_name_repeats(text, ms)]
    [('الرزاز', 18, 0.76)]

A pure function of the text and the mentions: no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .schema import CLITICS, ENTITY_LABELS, NAME_SPACES, Mention
from .word_features import WORD_RE, shape, word_form

#: a name's words are read only from PER mentions at least this confident
MIN_CONFIDENCE = 0.8
#: ... and only words of at least this many characters (after normalisation)
MIN_CHARS = 3
#: the confidence of a repeat: this share of the confidence of the mention it repeats
REPEAT_CONFIDENCE = 0.8


@lru_cache(maxsize=200_000)
def _variants(word: str) -> frozenset[str]:
    """The forms a name may take in a word: as written, less one leading clitic (words of five
    letters or more), less the article. «بوتين» also gives «وتين», so the name's own variants are
    matched against the word's: «لبوتين» meets «بوتين»."""
    form = word_form(word)
    out = {form}
    if len(form) >= 5 and form[0] in CLITICS:
        out.add(form[1:])
    for f in list(out):
        if len(f) > 4 and f.startswith(("ال", "لل")):
            out.add(f[2:])
    return frozenset(out)


def add_name_repeats(text: str, mentions: Sequence[Mention], min_confidence: float | None = None
                     ) -> list[Mention]:
    """The new PER mentions of ``text``: the bare repeats of the surnames (the last word) of the
    PER ``mentions`` at least ``min_confidence`` (default :data:`MIN_CONFIDENCE`) sure, where no entity mention lies. A repeat
    that touches a PER mention (spaces only between, and the second does not start with «و»)
    extends that mention in place instead («لويس إيناسيو» + «لولا» is one name).

    Offsets index ``text``; the words are matched by their clitic- and article-stripped form.
    """
    min_confidence = MIN_CONFIDENCE if min_confidence is None else min_confidence
    names: dict[str, float] = {}
    for m in mentions:
        if m.label != "PER" or m.confidence < min_confidence:
            continue
        words = WORD_RE.findall(m.text)
        if not words:
            continue
        form = word_form(words[-1])
        if len(form) >= MIN_CHARS and shape(form) in ("arabic", "latin"):
            for k in _variants(words[-1]):
                names[k] = max(names.get(k, 0.0), m.confidence)
    if not names:
        return []
    taken = sorted((m.start, m.end) for m in mentions if m.label in ENTITY_LABELS)
    people = {(m.start, m.end): m for m in mentions if m.label == "PER"}
    new: list[Mention] = []
    # the distinct words first: each is matched once, and most articles repeat few names
    hits = {w: max(names[k] for k in _variants(w) if k in names) for w in set(WORD_RE.findall(text))
            if not names.keys().isdisjoint(_variants(w))}
    if not hits:
        return []
    for w in WORD_RE.finditer(text):
        conf = hits.get(w[0])
        if conf is None or any(a < w.end() and w.start() < b for a, b in taken):
            continue
        new.append(Mention(w[0], "PER", w.start(), w.end(), REPEAT_CONFIDENCE * conf))
    return _join(text, new, people)


def _join(text: str, new: list[Mention], people: dict[tuple[int, int], Mention]) -> list[Mention]:
    """``new`` less the repeats that touch a PER mention: those extend it (in place)."""
    by_end = {m.end: m for m in people.values()}
    by_start = {m.start: m for m in people.values()}
    kept: list[Mention] = []
    for m in new:
        before = _touching(text, by_end, m.start, backwards=True)
        after = _touching(text, by_start, m.end, backwards=False)
        if before is not None and text[m.start] != "و":
            _extend(text, before, before.start, m.end)
            by_end[before.end] = before
        elif after is not None and text[after.start] != "و":
            _extend(text, after, m.start, after.end)
            by_start[after.start] = after
        else:
            kept.append(m)
    return kept


def _touching(text: str, index: dict[int, Mention], at: int, backwards: bool) -> Mention | None:
    k = at
    if backwards:
        while k > 0 and text[k - 1] in NAME_SPACES:
            k -= 1
    else:
        while k < len(text) and text[k] in NAME_SPACES:
            k += 1
    return index.get(k) if k != at else None


def _extend(text: str, m: Mention, start: int, end: int) -> None:
    m.start, m.end, m.text = start, end, text[start:end]

"""Arabic normalisation that keeps a map back to the raw text, sentence splitting, windows.

Normalisation only deletes or replaces characters one for one, so every normalised
character has exactly one source index:

    >>> n = normalize("بـــوتين ٢٠٢٠")
    >>> n.text
    'بوتين 2020'
    >>> n.to_original(0, 5)
    (0, 8)

Windows pack whole sentences into at most ``max_tokens`` sub-word tokens; a sentence longer
than that is cut at token boundaries into several windows. Nothing is ever dropped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TATWEEL = "\u0640"
_DIACRITICS = set(chr(c) for c in range(0x064B, 0x0653)) | {"\u0670", "\u0654", "\u0655"} | set(
    chr(c) for c in range(0x0610, 0x061B))
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff", "\u2066", "\u2067", "\u2068", "\u2069",
               "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"}
_REPLACE = {c: "ا" for c in "أإآٱ"}
_REPLACE.update({chr(0x0660 + i): str(i) for i in range(10)})  # Eastern Arabic digits
_REPLACE.update({chr(0x06F0 + i): str(i) for i in range(10)})  # Persian digits
_REPLACE.update({c: " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"})


@dataclass
class Normalized:
    """A normalised text and, per character, the index of its source in the raw text."""

    text: str
    source: list[int]
    raw: str

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Raw offsets of the normalised span ``[start, end)`` (end exclusive, end > start).

        Diacritics and tatweel that follow the last character belong to it and are included.
        """
        e = self.source[end - 1] + 1
        while e < len(self.raw) and (self.raw[e] == TATWEEL or self.raw[e] in _DIACRITICS):
            e += 1
        return self.source[start], e

    def from_original(self, start: int, end: int) -> tuple[int, int] | None:
        """Normalised offsets of a raw span; None when every character of it was deleted."""
        s = bisect.bisect_left(self.source, start)
        e = bisect.bisect_left(self.source, end)
        return (s, e) if e > s else None


_DELETE_RE = re.compile("[" + "".join(sorted(_DIACRITICS | _ZERO_WIDTH | {TATWEEL})) + "]")
_OTHER_RE = re.compile("[\ud800-\udfff\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")  # surrogates, private use: become spaces
_TABLE = {ord(k): v for k, v in _REPLACE.items()}
for _c in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0)):
    if chr(_c) not in "\n\t":
        _TABLE[_c] = "\n" if chr(_c) in "\r\x0b\x0c\x1c\x1d\x1e\x85" else " "


#: normalisation schemes: the project's own (a vocabulary trained here), and the one an AraBERT
#: v2 vocabulary was built on (its authors' preprocessing)
SCHEMES = ("project", "arabert")
_TABLE_ARABERT = {**_TABLE, **{ord(c): c for c in "أإآٱ"}, ord("/"): "-"}
_URL_RE = re.compile(r"(?:https?://|www\.)\S+?(?=[.,،؛:!?)\]»\"']*(?:\s|$))", re.I)  # trailing punctuation stays
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MENTION_RE = re.compile(r"@\w+")
_GLUED_RE = re.compile(r"(?<=\d)(?=[^\d\W])|(?<=[^\d\W])(?=\d)")  # between a digit and a letter
_PLACEHOLDERS = ((_URL_RE, "[رابط]"), (_EMAIL_RE, "[بريد]"), (_MENTION_RE, "[مستخدم]"))


def scheme_for(encoder_name: str) -> str:
    """The normalisation scheme an encoder's vocabulary expects, from its name.

        >>> scheme_for("aubmindlab/bert-base-arabertv02"), scheme_for("scratch")
        ('arabert', 'project')
    """
    return "arabert" if re.search(r"arabertv0?2", encoder_name, re.I) else "project"


def normalize(text: str, scheme: str = "project") -> Normalized:
    """Remove tatweel, diacritics and zero-width marks; unify alef forms, digits, spaces.

    Control characters other than newline and tab become spaces (line breaks: newlines).
    ``scheme="arabert"`` normalises as AraBERT v2's vocabulary expects instead: alef forms are
    kept, ``/`` becomes ``-``, digits glued to letters are split off, and URLs, e-mail addresses
    and @mentions become its placeholders; offsets still map back to the raw text.

        >>> n = normalize("في 11/5 زار أبوظبي 2020م https://t.co/x", "arabert")
        >>> n.text
        'في 11-5 زار أبوظبي 2020 م [رابط]'
        >>> n.raw[slice(*n.to_original(n.text.index("["), len(n.text)))]
        'https://t.co/x'
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown normalisation scheme {scheme!r}; one of {SCHEMES}")
    deleted = [m.start() for m in _DELETE_RE.finditer(text)]
    if deleted:
        keep = np.ones(len(text), dtype=bool)
        keep[deleted] = False
        src = np.flatnonzero(keep).tolist()
        kept = _DELETE_RE.sub("", text)
    else:
        src = list(range(len(text)))
        kept = text
    if scheme == "project":
        out = kept.translate(_TABLE)
        if _OTHER_RE.search(out):
            out = _OTHER_RE.sub(" ", out)
        return Normalized(out, src, text)
    norm = Normalized(kept, src, text)
    for pattern, placeholder in _PLACEHOLDERS:  # before "/" -> "-", which would break URLs
        norm = _rewrite(norm, pattern, lambda m, p=placeholder: p)
    out = _OTHER_RE.sub(" ", norm.text.translate(_TABLE_ARABERT))
    return _rewrite(Normalized(out, norm.source, text), _GLUED_RE, lambda m: " ")


def _rewrite(norm: Normalized, pattern: re.Pattern[str], repl: Any) -> Normalized:
    """Replace each match of ``pattern`` in ``norm.text`` by ``repl(match)``, keeping the map:
    the new characters take the source of the match's first character, and the last one the
    source of its last, so a span over the replacement maps back to the whole raw match (an
    insertion, an empty match, takes the source of the character before it)."""
    if not pattern.search(norm.text):
        return norm
    text, src, pos = [], [], 0
    for m in pattern.finditer(norm.text):
        s, e = m.span()
        text.append(norm.text[pos:s])
        src += norm.source[pos:s]
        new = repl(m)
        if e > s:
            first, last = norm.source[s], norm.source[e - 1]
            src += [first] * (len(new) - 1) + [last] if new else []
        else:
            src += [norm.source[s - 1] if s else 0] * len(new)
        text.append(new)
        pos = e
    text.append(norm.text[pos:])
    src += norm.source[pos:]
    return Normalized("".join(text), src, norm.raw)


_SENT_END = re.compile(r"[.!?؟…]+[\"'»”)]*(?=\s)|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character ranges of sentences: cut after . ! ? ؟ … followed by space, and at newlines.

    >>> t = "بحث بوتين. ثم اتصل\\nالعنوان"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['بحث بوتين.', 'ثم اتصل', 'العنوان']
    """
    spans = []
    pos = 0
    for m in _SENT_END.finditer(text):
        end = m.end() if text[m.start()] != "\n" else m.start()
        spans.append((pos, end))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


@dataclass
class Window:
    """Sub-word tokens of a run of whole sentences; offsets index the normalised text."""

    input_ids: list[int]
    offsets: list[tuple[int, int]]
    char_start: int
    char_end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)


def make_windows(text: str, tokenizer: Any, max_tokens: int) -> list[Window]:
    """Pack whole sentences of ``text`` into windows of at most ``max_tokens`` tokens.

    ``max_tokens`` excludes special tokens. A sentence with more tokens is cut into
    consecutive chunks; every token of the text is in exactly one window.
    """
    return make_windows_batch([text], tokenizer, max_tokens)[0]


def disable_truncation(tokenizer: Any) -> None:
    """Switch off truncation and padding on a fast tokenizer's Rust backend. A saved
    ``tokenizer.json`` may carry them, and a call such as ``tokenizer(x, truncation=True)``
    leaves them on; windows are cut by sentences here, never by the tokenizer."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        if backend.truncation is not None:
            backend.no_truncation()
        if backend.padding is not None:
            backend.no_padding()


def _tokenize(pieces: list[str], tokenizer: Any) -> tuple[list[list[int]], list[list[tuple[int, int]]]]:
    """Token ids and character offsets of each string, without special tokens, in one call."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:  # a fast tokenizer: call the Rust tokenizer directly (much less overhead)
        disable_truncation(tokenizer)
        encs = backend.encode_batch(pieces, add_special_tokens=False)
        return [e.ids for e in encs], [e.offsets for e in encs]
    enc = tokenizer(pieces, add_special_tokens=False, return_offsets_mapping=True)
    return enc["input_ids"], enc["offset_mapping"]


def make_windows_batch(texts: list[str], tokenizer: Any, max_tokens: int) -> list[list[Window]]:
    """:func:`make_windows` of several texts, tokenised in a single call.

    Each text is tokenised whole, and its tokens are then dealt out to its sentences; where a
    token would not lie inside one sentence (a tokenizer that glues whitespace to tokens), that
    text is tokenised sentence by sentence instead.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    sents = [split_sentences(t) for t in texts]
    todo = [k for k, ss in enumerate(sents) if ss]
    out: list[list[Window]] = [[] for _ in texts]
    if not todo:
        return out
    all_ids, all_offs = _tokenize([texts[k] for k in todo], tokenizer)
    retry = []
    for k, ids, offs in zip(todo, all_ids, all_offs):
        split = _deal_to_sentences(sents[k], list(ids), list(offs))
        if split is None:
            retry.append(k)
        else:
            out[k] = _pack(sents[k], *split, max_tokens)
    if retry:
        flat = [texts[k][s:e] for k in retry for s, e in sents[k]]
        ids_s, offs_s = _tokenize(flat, tokenizer)
        j = 0
        for k in retry:
            n = len(sents[k])
            shifted = [[(a + s, b + s) for a, b in o] for (s, _), o in zip(sents[k], offs_s[j:j + n])]
            out[k] = _pack(sents[k], [list(x) for x in ids_s[j:j + n]], shifted, max_tokens)
            j += n
    return out


def _deal_to_sentences(sents: list[tuple[int, int]], ids: list[int], offs: list[tuple[int, int]]
                       ) -> tuple[list[list[int]], list[list[tuple[int, int]]]] | None:
    """Tokens of the whole text split by sentence, or None when one lies outside a sentence."""
    sent_ids: list[list[int]] = [[] for _ in sents]
    sent_offs: list[list[tuple[int, int]]] = [[] for _ in sents]
    k = 0
    for tid, (a, b) in zip(ids, offs):
        while k < len(sents) and a >= sents[k][1]:
            k += 1
        if k == len(sents) or a < sents[k][0] or b > sents[k][1]:
            return None
        sent_ids[k].append(tid)
        sent_offs[k].append((a, b))
    return sent_ids, sent_offs


def _chunks(offs: list[tuple[int, int]], max_tokens: int) -> list[tuple[int, int]]:
    """``(first, end)`` token ranges of at most ``max_tokens`` that cut a long sentence between
    words (where a token does not touch the one before it), never inside one unless a single
    word is longer than ``max_tokens``.

        >>> _chunks([(0, 2), (2, 4), (5, 7), (7, 9), (10, 12)], 3)
        [(0, 2), (2, 5)]
    """
    out, k, n = [], 0, len(offs)
    while k < n:
        end = min(k + max_tokens, n)
        if end < n:
            cut = end
            while cut > k and offs[cut][0] == offs[cut - 1][1]:
                cut -= 1
            end = cut if cut > k else end
        out.append((k, end))
        k = end
    return out


def _pack(sents: list[tuple[int, int]], sent_ids: list[list[int]], sent_offs: list[list[tuple[int, int]]],
          max_tokens: int) -> list[Window]:
    pieces: list[tuple[list[int], list[tuple[int, int]], tuple[int, int]]] = []
    for ids, offs in zip(sent_ids, sent_offs):
        if not ids:
            continue
        for k, end in _chunks(offs, max_tokens):
            chunk_ids, chunk_offs = list(ids[k:end]), offs[k:end]
            pieces.append((chunk_ids, chunk_offs, (chunk_offs[0][0], chunk_offs[-1][1])))
    windows: list[Window] = []
    cur_ids: list[int] = []
    cur_offs: list[tuple[int, int]] = []
    cur_sents: list[tuple[int, int]] = []
    for ids, offs, rng in pieces:
        if cur_ids and len(cur_ids) + len(ids) > max_tokens:
            windows.append(Window(cur_ids, cur_offs, cur_offs[0][0], cur_offs[-1][1], cur_sents))
            cur_ids, cur_offs, cur_sents = [], [], []
        cur_ids = cur_ids + ids
        cur_offs = cur_offs + offs
        cur_sents.append(rng)
    if cur_ids:
        windows.append(Window(cur_ids, cur_offs, cur_offs[0][0], cur_offs[-1][1], cur_sents))
    return windows

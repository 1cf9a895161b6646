"""Pure decoding functions: constrained BIO Viterbi, tags to spans, roles, event grouping.

    >>> tags = ["O", "B-PER", "I-PER"]
    >>> import numpy as np
    >>> viterbi_bio(np.log(np.array([[.1, .2, .7], [.1, .8, .1], [.2, .1, .7]])), tags)
    [1, 1, 2]
    >>> bio_to_spans(["B-PER", "I-PER", "O", "I-GPE"])
    [('PER', 0, 1), ('GPE', 3, 3)]
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np


def allowed_transitions(tags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(start mask over tags, transition mask prev x next): I-X only after B-X or I-X."""
    n = len(tags)
    start = np.array([not t.startswith("I-") for t in tags])
    trans = np.ones((n, n), dtype=bool)
    for j, t in enumerate(tags):
        if t.startswith("I-"):
            label = t[2:]
            for i, p in enumerate(tags):
                trans[i, j] = p in (f"B-{label}", f"I-{label}")
    return start, trans


def viterbi_bio(log_probs: np.ndarray, tags: Sequence[str]) -> list[int]:
    """Best tag index sequence under the BIO constraints (no I- after O or another label).

    ``log_probs`` is (sequence length, number of tags).
    """
    length = log_probs.shape[0]
    if length == 0:
        return []
    start, trans = allowed_transitions(tags)
    neg = -1e9
    trans_score = np.where(trans, 0.0, neg)
    score = np.where(start, log_probs[0], neg)
    back = np.zeros((length, len(tags)), dtype=np.int64)
    for t in range(1, length):
        cand = score[:, None] + trans_score
        back[t] = cand.argmax(0)
        score = cand.max(0) + log_probs[t]
    best = [int(score.argmax())]
    for t in range(length - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


@lru_cache(maxsize=16)
def _allowed_cached(tags: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    return allowed_transitions(tags)


@lru_cache(maxsize=16)
def _transition_scores(tags: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    start, trans = allowed_transitions(tags)
    return np.where(start, 0.0, -1e9), np.where(trans, 0.0, -1e9)


def viterbi_bio_batch(log_probs: np.ndarray, lengths: Sequence[int], tags: Sequence[str]) -> list[list[int]]:
    """:func:`viterbi_bio` for a padded batch (batch, time, tags) in one pass over time.

    >>> lp = np.log(np.array([[[.1, .2, .7], [.1, .8, .1], [.2, .1, .7]]] * 2))
    >>> viterbi_bio_batch(lp, [3, 1], ["O", "B-PER", "I-PER"])
    [[1, 1, 2], [1]]
    """
    bsz, length, n = log_probs.shape
    if bsz == 0:
        return []
    lengths = np.asarray(lengths)
    start_ok, trans_ok = _allowed_cached(tuple(tags))
    # the per-token argmax maximises the unconstrained sum; when it is a valid sequence it is
    # also the constrained optimum, so the dynamic programme only runs on the other rows
    greedy = log_probs.argmax(-1)
    steps = np.arange(length)[None, :]
    inside = steps < lengths[:, None]
    ok_trans = trans_ok[greedy[:, :-1], greedy[:, 1:]] | ~inside[:, 1:]
    valid = start_ok[greedy[:, 0]] & ok_trans.all(1)
    paths: list[list[int]] = [greedy[b, :int(lengths[b])].tolist() if valid[b] else [] for b in range(bsz)]
    todo = np.nonzero(~valid & (lengths > 0))[0]
    if len(todo) == 0:
        return paths
    start, trans = _transition_scores(tuple(tags))
    lp, lens = log_probs[todo], lengths[todo]
    score = lp[:, 0] + start
    back = np.zeros((len(todo), length, n), dtype=np.int64)
    ident = np.arange(n)[None]
    for t in range(1, int(lens.max())):
        cand = score[:, :, None] + trans[None]
        prev = cand.argmax(1)
        new = np.take_along_axis(cand, prev[:, None, :], 1)[:, 0] + lp[:, t]
        active = (t < lens)[:, None]
        score = np.where(active, new, score)
        back[:, t] = np.where(active, prev, ident)
    for k, b in enumerate(todo):
        best = [int(score[k].argmax())]
        for t in range(int(lens[k]) - 1, 0, -1):
            best.append(int(back[k, t, best[-1]]))
        paths[b] = best[::-1]
    return paths


def is_valid_bio(tags: Sequence[str]) -> bool:
    """True when every I-X follows B-X or I-X."""
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def bio_to_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(label, first index, last index inclusive) of each span; a stray I-X opens a span."""
    spans: list[tuple[str, int, int]] = []
    label, first = None, -1
    for i, t in enumerate(list(tags) + ["O"]):
        if t.startswith("B-") or t == "O" or (t.startswith("I-") and t[2:] != label):
            if label is not None:
                spans.append((label, first, i - 1))
            label, first = (t[2:], i) if t != "O" else (None, -1)
    return spans


def spans_to_bio(spans: Sequence[tuple[str, int, int]], length: int) -> list[str]:
    """Inverse of :func:`bio_to_spans` for non-overlapping spans."""
    tags = ["O"] * length
    for label, first, last in spans:
        tags[first] = f"B-{label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{label}"
    return tags


def trim_span(text: str, start: int, end: int, edge: frozenset[str] | set[str]) -> tuple[int, int] | None:
    """Offsets of ``text[start:end]`` without edge punctuation/whitespace; None if nothing is left.

    >>> trim_span("في «كاراباخ» اليوم", 3, 12, set("«» "))
    (4, 11)
    """
    while start < end and text[start] in edge:
        start += 1
    while end > start and text[end - 1] in edge:
        end -= 1
    return (start, end) if end > start else None


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "\u0640" or "\u064b" <= ch <= "\u065f" or ch == "\u0670"


def snap_to_words(text: str, start: int, end: int, clitics: frozenset[str] | set[str]) -> tuple[int, int]:
    """Extend a span whose edges fall inside words to whole words. A start right after one
    leading clitic letter of the word is kept (SCHEMA.md leaves that clitic out).

    >>> t = "بحث سامح شكري مع وبوتين"
    >>> t[slice(*snap_to_words(t, 4, 7, set("وفبلك")))]
    'سامح'
    >>> t[slice(*snap_to_words(t, 18, 21, set("وفبلك")))]
    'بوتين'
    """
    s, e = start, end
    while e < len(text) and _is_word_char(text[e]) and _is_word_char(text[e - 1]):
        e += 1
    word_start = s
    while word_start > 0 and _is_word_char(text[word_start - 1]) and _is_word_char(text[word_start]):
        word_start -= 1
    if not (word_start == s - 1 and text[word_start] in clitics):
        s = word_start
    return s, e


def group_triggers(types: Sequence[str], same_event: np.ndarray, threshold: float = 0.5) -> list[list[int]]:
    """Clusters of trigger indices: single-link over pairs of one type whose probability
    of being the same event is above ``threshold``. ``same_event`` is (n, n), symmetric.

    >>> group_triggers(["CONSULT", "CONSULT", "AGREE"], np.array([[1, .9, .9], [.9, 1, .1], [.9, .1, 1]]))
    [[0, 1], [2]]
    """
    n = len(types)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(np.asarray(same_event) > threshold, 1))):
        if types[i] == types[j]:
            parent[find(int(j))] = find(int(i))
    clusters: dict[int, list[int]] = {}
    for i in range(n):
        clusters.setdefault(find(i), []).append(i)
    return sorted(clusters.values(), key=lambda c: c[0])


def decode_roles(
    role_probs: np.ndarray, tail_labels: Sequence[str], roles: Sequence[str], role_tails: dict[str, frozenset[str]],
    threshold: float = 0.0,
) -> list[tuple[int, str, float]]:
    """For each candidate (row of ``role_probs``, columns: none + roles), the best role whose
    tail type fits, if its probability beats ``none`` and ``threshold``: (row, role, prob).

    >>> decode_roles(np.array([[.2, .7, .1], [.6, .3, .1]]), ["PER", "PER"], ["ACTOR", "TIME"],
    ...              {"ACTOR": frozenset({"PER"}), "TIME": frozenset({"DATE"})})
    [(0, 'ACTOR', 0.7)]
    """
    out = []
    for i, (probs, label) in enumerate(zip(role_probs, tail_labels)):
        best, best_p = None, 0.0
        for k, role in enumerate(roles, 1):
            if label in role_tails[role] and probs[k] > best_p:
                best, best_p = role, float(probs[k])
        if best is not None and best_p > float(probs[0]) and best_p >= threshold:
            out.append((i, best, best_p))
    return out

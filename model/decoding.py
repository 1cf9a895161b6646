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

import numpy as np

from .crf import crf_paths
from .viterbi import allowed_transitions, viterbi_bio, viterbi_bio_batch, viterbi_paths

#: (start, transitions, end) scores of a CRF output layer
CrfScores = tuple[np.ndarray, np.ndarray, np.ndarray]

__all__ = ["allowed_transitions", "viterbi_bio", "viterbi_bio_batch", "bio_to_spans", "decode_layers",
           "trim_span", "snap_to_words", "group_triggers", "decode_roles"]


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


def decode_layers(layers: Sequence[tuple[np.ndarray, Sequence[str]]], lengths: Sequence[int],
                  crf: Sequence[CrfScores | None] | None = None) -> list[list[list[tuple[str, int, int, float]]]]:
    """Spans of the constrained Viterbi path of each layer and row, a whole batch at a time.

    ``layers`` holds (log-probabilities (batch, time, tags), tags) per layer; each tag set starts
    with ``O`` and the layers' labels must differ. Returns ``out[layer][row]``: (label, first, last inclusive, confidence) in
    order, where the confidence is the mean probability of the path's tags over the span.
    ``crf[layer]``, where given, holds the (start, transitions, end) scores of that layer's CRF
    output layer (:mod:`model.crf`), on the scale of its log-probabilities: the path is then
    the best under them instead of under the BIO constraints alone.

    >>> lp = np.log(np.array([[[.1, .8, .1], [.1, .2, .7], [.9, .05, .05]]]))
    >>> ent, evt = decode_layers([(lp, ["O", "B-PER", "I-PER"]), (lp, ["O", "B-MEET", "I-MEET"])], [3])
    >>> [(label, first, last, round(conf, 2)) for label, first, last, conf in evt[0]]
    [('MEET', 0, 1, 0.75)]
    """
    labels_seen: set[str] = set()
    out: list[list[list[tuple[str, int, int, float]]]] = []
    crf_of = list(crf) if crf is not None else [None] * len(layers)
    if len(crf_of) != len(layers):
        raise ValueError(f"{len(crf_of)} CRF score sets for {len(layers)} layers")
    for (log_probs, tags), scores in zip(layers, crf_of):
        if not tags or tags[0] != "O":
            raise ValueError(f"a tag set must start with O, got {list(tags[:1])}")
        labels = {t[2:] for t in tags if t != "O"}
        if labels & labels_seen:
            raise ValueError(f"the layers share labels: {sorted(labels & labels_seen)}")
        labels_seen |= labels
        out.append(_layer_spans(log_probs, lengths, list(tags), scores))
    return out


def _layer_spans(log_probs: np.ndarray, lengths: Sequence[int], tags: list[str], crf: CrfScores | None = None
                 ) -> list[list[tuple[str, int, int, float]]]:
    bsz, length = log_probs.shape[:2]
    lens = np.asarray(lengths, dtype=np.int64)
    paths = crf_paths(log_probs, lens, *crf) if crf is not None else viterbi_paths(log_probs, lens, tags)
    inside = np.arange(length)[None, :] < lens[:, None]
    paths = np.where(inside, paths, 0)
    kind = np.array([0 if t == "O" else 1 if t.startswith("B-") else 2 for t in tags])
    names = [t[2:] if t != "O" else "" for t in tags]
    label_id = np.array([sorted(set(names)).index(n) for n in names])
    k_path, l_path = kind[paths], label_id[paths]
    prev_k, prev_l = np.zeros_like(k_path), np.zeros_like(l_path)
    prev_k[:, 1:], prev_l[:, 1:] = k_path[:, :-1], l_path[:, :-1]
    cont = (k_path == 2) & (prev_k != 0) & (prev_l == l_path)
    starts = (k_path != 0) & ~cont
    # flatten with one O column after each row so that every span ends inside its row
    width = length + 1
    cont_flat = np.zeros((bsz, width), dtype=bool)
    cont_flat[:, :-1] = cont
    cont_flat = cont_flat.ravel()
    start_flat = np.nonzero(starts)
    start_flat = start_flat[0] * width + start_flat[1]
    breaks = np.nonzero(~cont_flat)[0]
    end_flat = breaks[np.searchsorted(breaks, start_flat, side="right")] - 1
    prob = np.zeros((bsz, width))
    prob[:, :-1] = np.exp(np.take_along_axis(log_probs, paths[..., None], -1)[..., 0].astype(np.float64)) * inside
    csum = np.concatenate([[0.0], prob.ravel().cumsum()])
    conf = (csum[end_flat + 1] - csum[start_flat]) / (end_flat - start_flat + 1)
    out: list[list[tuple[str, int, int, float]]] = [[] for _ in range(bsz)]
    for f, e, c in zip(start_flat.tolist(), end_flat.tolist(), conf.tolist()):
        row, first = divmod(f, width)
        out[row].append((names[paths[row, first]], first, e - row * width, c))
    return out


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
    probs = np.asarray(role_probs, dtype=np.float64)
    if probs.size == 0:
        return []
    fit_of = {label: [label in role_tails[role] for role in roles] for label in set(tail_labels)}
    fits = np.array([fit_of[label] for label in tail_labels], dtype=bool)
    scored = np.where(fits, probs[:, 1:], 0.0)
    best = scored.argmax(1)
    best_p = scored[np.arange(len(best)), best]
    keep = (best_p > 0.0) & (best_p > probs[:, 0]) & (best_p >= threshold)
    return [(int(i), roles[int(best[i])], float(best_p[i])) for i in np.nonzero(keep)[0]]

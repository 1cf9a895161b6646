"""Constrained BIO Viterbi: I-X only after B-X or I-X, and never first.

    >>> import numpy as np
    >>> tags = ["O", "B-PER", "I-PER"]
    >>> viterbi_bio(np.log(np.array([[.1, .2, .7], [.1, .8, .1], [.2, .1, .7]])), tags)
    [1, 1, 2]

:func:`viterbi_bio_batch` gives the same optimum for a padded batch, but only runs the
dynamic programme where it can change anything:

* a row whose per-token argmax is already a valid sequence is its own optimum;
* otherwise the row is cut into independent segments at positions where some optimal path
  must take a tag that is not ``I-`` (see :func:`cut_positions`), and only the segments that
  hold an invalid transition are decoded, all of them together.

With a trained model, the segments are a few tokens around each mention, so the decoding
costs a few numpy calls per batch rather than a loop over every token.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

NEG = -1e9


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
    trans_score = np.where(trans, 0.0, NEG)
    score = np.where(start, log_probs[0], NEG)
    back = np.zeros((length, len(tags)), dtype=np.int64)
    for t in range(1, length):
        cand = score[:, None] + trans_score
        back[t] = cand.argmax(0)
        score = cand.max(0) + log_probs[t]
    best = [int(score.argmax())]
    for t in range(length - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


class _Bio(NamedTuple):
    """What the decoders need to know of a BIO tag set."""

    start_ok: np.ndarray  # tag may open a sequence
    trans_ok: np.ndarray  # (prev, next) allowed
    start_score: np.ndarray  # 0 or NEG per tag
    b_cols: np.ndarray  # B-X per label with an I-X
    i_cols: np.ndarray  # the matching I-X
    free: np.ndarray  # tags that are not I-


@lru_cache(maxsize=16)
def _structure(tags: tuple[str, ...]) -> _Bio:
    start_ok, trans_ok = allowed_transitions(tags)
    labels = [t[2:] for t in tags if t.startswith("I-")]
    return _Bio(start_ok, trans_ok, np.where(start_ok, 0.0, NEG),
                np.array([tags.index(f"B-{x}") for x in labels], dtype=np.int64),
                np.array([tags.index(f"I-{x}") for x in labels], dtype=np.int64),
                np.array([k for k, t in enumerate(tags) if not t.startswith("I-")], dtype=np.int64))


def cut_positions(log_probs: np.ndarray, tags: Sequence[str]) -> np.ndarray:
    """(batch, time) mask of positions ``t`` where some optimal path has a tag that is not
    ``I-``, so that the path before ``t`` and the path from ``t`` on are independent.

    Choosing ``B-X`` instead of ``I-X`` at ``t`` keeps the same continuation and frees the
    prefix; it loses nothing when ``lp[t, B-X] >= D + lp[t, I-X]``, where ``D <= 0`` is how far
    the best prefix ending inside X at ``t-1`` lies below the best prefix. ``D`` is at most
    ``max(lp[t-1, B-X], lp[t-1, I-X]) - max(lp[t-1, not I-])``, which needs no decoding.
    Position 0 is always a cut.
    """
    bio = _structure(tuple(tags))
    b_cols, i_cols, free = bio.b_cols, bio.i_cols, bio.free
    lp_b, lp_i = log_probs[..., b_cols], log_probs[..., i_cols]
    if lp_b.shape[-1] == 0:
        return np.ones(log_probs.shape[:2], dtype=bool)
    bound = np.maximum(lp_b, lp_i) - log_probs[..., free].max(-1, keepdims=True)
    cuts = np.ones(log_probs.shape[:2], dtype=bool)
    cuts[:, 1:] = (lp_b[:, 1:] >= bound[:, :-1] + lp_i[:, 1:]).all(-1)
    return cuts


def _decode_segments(lp: np.ndarray, lens: np.ndarray, tags: tuple[str, ...]) -> np.ndarray:
    """Viterbi paths of padded segments (segments, time, tags); entries past ``lens`` are junk.

    Uses the BIO structure instead of a tags x tags transition matrix: a tag that is not I-
    may follow any tag, and I-X follows B-X or I-X, so each step costs O(tags).
    """
    bio = _structure(tags)
    start, b_cols, i_cols, free = bio.start_score, bio.b_cols, bio.i_cols, bio.free
    k, length, n = lp.shape
    lp = lp.copy()
    filler = np.full(n, NEG)
    filler[free] = 0.0  # past the end only free tags, at no cost: the optimum is unchanged
    lp[np.arange(length)[None, :] >= lens[:, None]] = filler
    rows = np.arange(k)
    score = lp[:, 0] + start
    back = np.zeros((k, length, n), dtype=np.int64)
    for t in range(1, length):
        arg = score.argmax(1)
        from_b, from_i = score[:, b_cols], score[:, i_cols]
        take_i = from_i > from_b  # ties go to B-X, the lower index, as in the reference
        new = score[rows, arg][:, None] + lp[:, t]
        new[:, i_cols] = np.where(take_i, from_i, from_b) + lp[:, t, i_cols]
        back[:, t] = arg[:, None]
        back[:, t, i_cols] = np.where(take_i, i_cols, b_cols)
        score = new
    paths = np.zeros((k, length), dtype=np.int64)
    cur = score.argmax(1)
    paths[:, -1] = cur
    for t in range(length - 1, 0, -1):
        cur = back[rows, t, cur]
        paths[:, t - 1] = cur
    return paths


def _append_column(a: np.ndarray, value: bool) -> np.ndarray:
    out = np.full((a.shape[0], a.shape[1] + 1), value, dtype=a.dtype)
    out[:, :-1] = a
    return out


def viterbi_bio_batch(log_probs: np.ndarray, lengths: Sequence[int], tags: Sequence[str]) -> list[list[int]]:
    """:func:`viterbi_bio` for a padded batch (batch, time, tags); same optimum, decoded only
    where the per-token argmax breaks a constraint (module docstring).

    >>> lp = np.log(np.array([[[.1, .2, .7], [.1, .8, .1], [.2, .1, .7]]] * 2))
    >>> viterbi_bio_batch(lp, [3, 1], ["O", "B-PER", "I-PER"])
    [[1, 1, 2], [1]]
    """
    paths = viterbi_paths(log_probs, lengths, tags)
    return [paths[b, :int(n)].tolist() for b, n in enumerate(lengths)]


def viterbi_paths(log_probs: np.ndarray, lengths: Sequence[int], tags: Sequence[str]) -> np.ndarray:
    """:func:`viterbi_bio_batch` as a (batch, time) array; positions past a row's length are junk."""
    bsz, length, _ = log_probs.shape
    lengths = np.asarray(lengths, dtype=np.int64)
    if bsz == 0 or length == 0:
        return np.zeros((bsz, length), dtype=np.int64)
    bio = _structure(tuple(tags))
    start_ok, trans_ok = bio.start_ok, bio.trans_ok
    greedy = log_probs.argmax(-1)
    inside = np.arange(length)[None, :] < lengths[:, None]
    bad = np.zeros((bsz, length), dtype=bool)
    bad[:, 0] = ~start_ok[greedy[:, 0]]
    bad[:, 1:] = ~trans_ok[greedy[:, :-1], greedy[:, 1:]]
    bad &= inside
    rows = np.nonzero(bad.any(1))[0]
    if len(rows):
        cuts = cut_positions(log_probs[rows], tags) | ~inside[rows]
        # each segment starts with a tag that is not I-: an I- there must be decoded too
        seg_bad = bad[rows] | (cuts & ~start_ok[greedy[rows]] & inside[rows])
        # flat positions; every row starts with a cut, so no segment crosses rows
        cut_at = np.nonzero(_append_column(cuts, True).ravel())[0]
        bad_at = np.nonzero(_append_column(seg_bad, False).ravel())[0]
        i = np.unique(np.searchsorted(cut_at, bad_at, side="right"))
        width = length + 1
        seg_row, seg_start = np.divmod(cut_at[i - 1], width)
        seg_end = cut_at[i] - seg_row * width
        lens = seg_end - seg_start
        # every (segment, step) as (row, time) of the batch, gathered and scattered at once
        seg_id = np.repeat(np.arange(len(lens)), lens)
        step = np.arange(len(seg_id)) - np.repeat(np.cumsum(lens) - lens, lens)
        row_of, time_of = rows[seg_row][seg_id], seg_start[seg_id] + step
        lp = np.zeros((len(lens), int(lens.max()), log_probs.shape[-1]), dtype=log_probs.dtype)
        lp[seg_id, step] = log_probs[row_of, time_of]
        greedy[row_of, time_of] = _decode_segments(lp, lens, tuple(tags))[seg_id, step]
    return greedy

"""A linear-chain CRF output layer for a BIO layer: learned start, transition and end scores on
top of the token logits, trained by the sequence log-likelihood and decoded by Viterbi.

The BIO constraints (I-X only after B-X or I-X, never first) stay hard: the learned scores of
forbidden moves are replaced by :data:`FORBIDDEN`, at training and at decoding alike.

Positions whose label is -100 (special tokens, padding, spans that teach nothing) are skipped:
the chain runs over the labelled positions of each row, in order.

    >>> import torch
    >>> crf = BioCrf(["O", "B-PER", "I-PER"])
    >>> logits = torch.tensor([[[0., 0., 0.], [0., 2., 0.], [0., 0., 2.], [0., 0., 0.]]])
    >>> labels = torch.tensor([[-100, 1, 2, -100]])
    >>> float(crf.neg_log_likelihood(logits, labels).detach()) > 0
    True
    >>> crf_viterbi(logits[:, 1:3].numpy(), [2], *crf.scores())
    [[1, 2]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .viterbi import allowed_transitions

#: score of a move the BIO scheme forbids (finite, so that sums stay finite)
FORBIDDEN = -1.0e4


class BioCrf(nn.Module):
    """Start, transition (previous x next) and end scores of one BIO tag set."""

    def __init__(self, tags: Sequence[str]):
        super().__init__()
        n = len(tags)
        start_ok, trans_ok = allowed_transitions(list(tags))
        self.start = nn.Parameter(torch.zeros(n))
        self.transitions = nn.Parameter(torch.zeros(n, n))
        self.end = nn.Parameter(torch.zeros(n))
        # plain arrays, not buffers: a checkpoint loaded on the meta device leaves buffers that are
        # not saved uninitialised, and these follow from the tags anyway
        self._start_ok, self._trans_ok = start_ok, trans_ok

    def constrained(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(start, transitions, end) with the forbidden moves set to :data:`FORBIDDEN`."""
        device = self.start.device
        forbid = torch.tensor(FORBIDDEN, dtype=self.start.dtype, device=device)
        start_ok, trans_ok = (torch.from_numpy(x).to(device) for x in (self._start_ok, self._trans_ok))
        return torch.where(start_ok, self.start, forbid), torch.where(trans_ok, self.transitions, forbid), self.end

    def scores(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`constrained` as float32 numpy arrays (for :func:`crf_viterbi`)."""
        return tuple(t.detach().float().cpu().numpy() for t in self.constrained())  # type: ignore[return-value]

    def neg_log_likelihood(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean over labelled positions of −log P(gold path) (a scale comparable to a token
        cross-entropy); 0 when no position is labelled.

        ``logits`` (batch, time, tags); ``labels`` (batch, time), -100 where unlabelled.
        """
        start, trans, end = (x.float() for x in self.constrained())
        em = logits.float()
        mask = labels >= 0
        gold = labels.clamp(min=0)
        bsz, length, _ = em.shape
        rows = torch.arange(bsz, device=em.device)
        alpha = em.new_zeros(bsz, em.shape[-1])
        first = torch.ones(bsz, dtype=torch.bool, device=em.device)
        last = torch.zeros(bsz, dtype=torch.long, device=em.device)
        score = em.new_zeros(bsz)
        for t in range(length):
            m, e, y = mask[:, t], em[:, t], gold[:, t]
            if not bool(m.any()):
                continue
            step = torch.logsumexp(alpha.unsqueeze(2) + trans, dim=1) + e
            new = torch.where(first.unsqueeze(1), start + e, step)
            alpha = torch.where(m.unsqueeze(1), new, alpha)
            move = torch.where(first, start[y], trans[last, y]) + e[rows, y]
            score = score + torch.where(m, move, torch.zeros_like(move))
            last = torch.where(m, y, last)
            first = first & ~m
        seen = ~first
        if not bool(seen.any()):
            return logits.sum() * 0.0
        log_z = torch.logsumexp(alpha + end, dim=1)
        nll = (log_z - score - end[last])[seen]
        return nll.sum() / mask.sum()


def crf_viterbi(emissions: np.ndarray, lengths: Sequence[int], start: np.ndarray, trans: np.ndarray,
                end: np.ndarray) -> list[list[int]]:
    """Best tag paths of a padded batch under emission, start, transition and end scores.

    ``emissions`` (batch, time, tags): per-token scores (logits or log-probabilities: a constant
    per position changes nothing); rows are read up to their length.

        >>> em = np.log(np.array([[[.6, .3, .1], [.2, .1, .7]]]))
        >>> crf_viterbi(em, [2], np.array([0., 0., -1e4]), np.zeros((3, 3)), np.zeros(3))
        [[0, 2]]
    """
    paths = crf_paths(emissions, lengths, start, trans, end)
    return [p[:int(n)].tolist() for p, n in zip(paths, lengths)]


def crf_paths(emissions: np.ndarray, lengths: Sequence[int], start: np.ndarray, trans: np.ndarray,
              end: np.ndarray) -> np.ndarray:
    """:func:`crf_viterbi` as a (batch, time) array; positions past a row's length are 0."""
    bsz, length, n = emissions.shape
    lens = np.asarray(lengths, dtype=np.int64)
    paths = np.zeros((bsz, length), dtype=np.int64)
    if bsz == 0 or length == 0:
        return paths
    score = emissions[:, 0] + start
    back = np.zeros((bsz, length, n), dtype=np.int64)
    for t in range(1, length):
        cand = score[:, :, None] + trans[None]
        arg = cand.argmax(1)
        new = np.take_along_axis(cand, arg[:, None, :], 1)[:, 0] + emissions[:, t]
        live = (t < lens)[:, None]
        score = np.where(live, new, score)
        back[:, t] = arg
    cur = (score + end).argmax(1)  # each row's last tag (its score stopped at its length)
    rows = np.arange(bsz)
    for t in range(length - 1, -1, -1):
        inside = t < lens
        paths[:, t] = np.where(inside, cur, 0)
        if t > 0:
            cur = np.where(inside, back[rows, t, cur], cur)
    return paths

"""A bidirectional LSTM over padded windows whose output does not depend on the padding.

``nn.LSTM(bidirectional=True)`` on a right-padded batch runs its backward direction from the
padding, and packed sequences take a slow path on CPU. :class:`BiLSTMContext` runs each direction
as its own unidirectional LSTM on the padded batch (the fast path); the backward one reads every
row reversed within its own length, so the real tokens never see padding.

    >>> import torch
    >>> ctx = BiLSTMContext(8, layers=2).eval()
    >>> x = torch.randn(2, 5, 8)
    >>> short = ctx(x[:1, :3], torch.ones(1, 3, dtype=torch.long))
    >>> padded = ctx(x[:1], torch.tensor([[1, 1, 1, 0, 0]]))
    >>> torch.allclose(short, padded[:, :3], atol=1e-6), tuple(padded.shape)
    (True, (1, 5, 8))
"""

from __future__ import annotations

import torch
from torch import nn


def reverse_within(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row of ``x`` (batch, time, dim) with its first ``lengths[r]`` steps reversed; the
    padding stays where it is."""
    t = torch.arange(x.shape[1], device=x.device)[None, :]
    n = lengths.to(x.device)[:, None]
    idx = torch.where(t < n, n - 1 - t, t)
    return x.gather(1, idx[:, :, None].expand_as(x))


class BiLSTMContext(nn.Module):
    """``layers`` bidirectional LSTM layers of width ``size`` (``size // 2`` per direction)."""

    def __init__(self, size: int, layers: int = 1, dropout: float = 0.0):
        super().__init__()
        if size % 2:
            raise ValueError(f"a bidirectional LSTM context needs an even width, not {size}")
        self.fwd = nn.ModuleList(nn.LSTM(size, size // 2, batch_first=True) for _ in range(layers))
        self.bwd = nn.ModuleList(nn.LSTM(size, size // 2, batch_first=True) for _ in range(layers))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        mask = attention_mask if attention_mask is not None else x.new_ones(x.shape[:2], dtype=torch.long)
        lengths = mask.sum(1).clamp(min=1)
        keep = mask[:, :, None].to(x.dtype)
        for k, (f, b) in enumerate(zip(self.fwd, self.bwd)):
            if k:
                x = self.dropout(x)
            back = reverse_within(b(reverse_within(x, lengths))[0], lengths)
            x = torch.cat([f(x)[0], back], dim=-1) * keep
        return x

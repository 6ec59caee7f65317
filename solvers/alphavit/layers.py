"""Transformer blocks of the AlphaViT family: pre-LN, GELU, an optional additive attention bias.

Written on ``scaled_dot_product_attention`` rather than ``nn.TransformerEncoderLayer`` so that
a per-head position bias (relative mode) and a key-padding mask combine into one mask.
Shapes: ``x`` [N, L, d]; ``mask`` None, bool [N or 1, 1, 1, L] (True = attend) or float
[N or 1, heads, Lq, L] (added to the scores, -inf = ignore).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Attention(nn.Module):
    """Multi-head attention; self-attention when ``memory`` is None."""

    def __init__(self, d: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.out = nn.Linear(d, d)

    def forward(self, x: Tensor, memory: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        n, lq, d = x.shape
        src = x if memory is None else memory
        lk, h = src.shape[1], self.heads
        q = self.q(x).view(n, lq, h, d // h).transpose(1, 2)
        k, v = self.kv(src).view(n, lk, 2, h, d // h).permute(2, 0, 3, 1, 4)
        if mask is not None and mask.dtype != torch.bool:
            mask = mask.to(q.dtype)  # autocast may run q in bf16
        o = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0
        )
        return self.out(o.transpose(1, 2).reshape(n, lq, d))


class FeedForward(nn.Sequential):
    def __init__(self, d: int, ff: int, dropout: float) -> None:
        super().__init__(nn.Linear(d, ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(ff, d))


class EncoderLayer(nn.Module):
    """x + Attn(LN(x)); x + FF(LN(x)) (pre-LN, as the paper's ``norm_first=True``)."""

    def __init__(self, d: int, heads: int, ff: int, dropout: float) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attention(d, heads, dropout)
        self.ff = FeedForward(d, ff, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        x = x + self.drop(self.attn(self.norm1(x), mask=mask))
        return x + self.drop(self.ff(self.norm2(x)))


class DecoderLayer(nn.Module):
    """Self-attention over the queries, cross-attention to the encoder output, feed-forward."""

    def __init__(self, d: int, heads: int, ff: int, dropout: float) -> None:
        super().__init__()
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn = Attention(d, heads, dropout)
        self.cross_attn = Attention(d, heads, dropout)
        self.ff = FeedForward(d, ff, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, q: Tensor, memory: Tensor, q_mask: Tensor | None,
                mem_mask: Tensor | None) -> Tensor:
        q = q + self.drop(self.self_attn(self.norm1(q), mask=q_mask))
        q = q + self.drop(self.cross_attn(self.norm2(q), memory=memory, mask=mem_mask))
        return q + self.drop(self.ff(self.norm3(q)))


class DynamicPositionBias(nn.Module):
    """CrossFormer's dynamic position bias: an MLP from (dy, dx) to one bias per head and layer.

    Input float32 [P, 2] (the offsets a board can have); output [P, layers * heads]. Being a
    function of the offset, it needs no resizing between board sizes.
    """

    def __init__(self, d: int, heads: int, layers: int) -> None:
        super().__init__()
        hidden = max(d // 4, 16)
        self.mlp = nn.Sequential(
            nn.Linear(2, hidden), nn.LayerNorm(hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.LayerNorm(hidden), nn.ReLU(),
            nn.Linear(hidden, layers * heads),
        )

    def forward(self, offsets: Tensor) -> Tensor:
        return self.mlp(offsets)


class Head(nn.Sequential):
    """LN, Linear, GELU, Linear(d, out): the paper's policy (out=1 per token) and value head."""

    def __init__(self, d: int, out: int = 1) -> None:
        super().__init__(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Linear(d, out))


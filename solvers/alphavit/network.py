"""The AlphaViT / AlphaViD / AlphaVDA network: one trunk, three policy heads.

A forward pass takes a list of :class:`Group` (positions of one game configuration each).
Every group is embedded on its own (the 5x5 convolution runs on its true ``H x W``; no board
is padded to another's size), then the groups' sequences are padded to the longest and go
through the transformer together with a key-padding mask. The evaluator
(:mod:`varena.engine.nn.evaluator`) decides which groups share a forward (bucketing by length).

Sequence of one position: ``[value, game, tokens..., specials...]`` (see :mod:`.layout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from varena.engine.api import Game, Tokens
from varena.solvers.alphavit.layers import (
    DecoderLayer,
    DynamicPositionBias,
    EncoderLayer,
    Head,
)
from varena.solvers.alphavit.layout import PREFIX, Layout, LayoutError, build_layout
from varena.solvers.alphavit.presets import NetConfig


@dataclass(frozen=True, eq=False)
class Group:
    """``n`` positions of one layout, on the network's device.

    ``features`` float32 [n, T, max_features], ``globals`` float32 [n, max_globals],
    ``legal`` bool [n, A], ``game_id`` index into ``NetConfig.games``.
    """

    layout: Layout
    game_id: int
    features: Tensor
    globals: Tensor
    legal: Tensor

    @property
    def size(self) -> int:
        return int(self.features.shape[0])

    @property
    def seq_len(self) -> int:
        return self.layout.seq_len

    @property
    def layout_key(self) -> str:
        return self.layout.key


class AlphaNet(nn.Module):
    """Policy-value transformer over game tokens; ``cfg.arch`` picks ViT, ViD or VDA."""

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d, h = cfg.d_model, cfg.heads
        self.stem = nn.Conv2d(cfg.max_features, d, kernel_size=5, stride=1, padding=2)
        self.point_embed = nn.Linear(cfg.max_features, d)
        self.value_token = nn.Parameter(torch.zeros(d))
        self.game_embed = nn.Embedding(len(cfg.games), d)
        self.global_proj = nn.Linear(cfg.max_globals, d)
        self.special = nn.Embedding(cfg.max_special, d)
        if cfg.positions == "grid":
            self.pos_grid = nn.Parameter(torch.zeros(1, d, cfg.grid, cfg.grid))
        else:
            self.rel_bias = DynamicPositionBias(d, h, cfg.enc_layers)
        self.encoder = nn.ModuleList(
            EncoderLayer(d, h, cfg.ff, cfg.dropout) for _ in range(cfg.enc_layers)
        )
        self.enc_norm = nn.LayerNorm(d)
        if cfg.arch != "vit":
            if cfg.arch == "vid":
                self.query_proj = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d))
            else:
                self.action_queries = nn.Parameter(torch.zeros(cfg.action_queries, d))
            self.decoder = nn.ModuleList(
                DecoderLayer(d, h, cfg.ff, cfg.dropout) for _ in range(max(cfg.dec_layers, 1))
            )
            self.dec_norm = nn.LayerNorm(d)
        self.policy_head = Head(d, 1)
        self.value_head = Head(d, 1)
        for p in (self.value_token, getattr(self, "pos_grid", None),
                  getattr(self, "action_queries", None)):
            if p is not None:
                nn.init.trunc_normal_(p, std=0.02)
        for emb in (self.game_embed, self.special):
            nn.init.trunc_normal_(emb.weight, std=0.02)
        self._layouts: dict[str, Layout] = {}
        self._consts: dict[tuple[str, str, str], Any] = {}

    @property
    def exact_layouts(self) -> bool:
        """Relative biases of mixed layouts cost [N, heads, L, L] memory: the evaluator then
        keeps one layout per forward."""
        return self.cfg.positions == "relative"

    # -- inputs ---------------------------------------------------------------------------------
    def layout(self, game: Game, tokens: Tokens) -> Layout:
        """The (cached) layout of ``game``'s configuration."""
        key = game.spec
        lay = self._layouts.get(key)
        if lay is None:
            cfg = self.cfg
            lay = build_layout(key, game.name, tokens, cfg.max_features, cfg.max_globals,
                               cfg.max_special)
            if lay.num_actions != game.num_actions:
                raise LayoutError(f"{key}: action_tokens has {lay.num_actions} entries, "
                                  f"the game {game.num_actions} actions")
            self._layouts[key] = lay
        elif tokens.features.shape[1] != lay.num_tokens:
            raise LayoutError(f"{key}: token count changed from {lay.num_tokens} "
                              f"to {tokens.features.shape[1]}")
        return lay

    def game_id(self, name: str) -> int:
        try:
            return self.cfg.games.index(name)
        except ValueError:
            raise LayoutError(f"this network has no embedding for game {name!r}; it knows: "
                              f"{', '.join(self.cfg.games)}") from None

    def encode(self, game: Game, tokens: Tokens, legal: np.ndarray, device: torch.device) -> Group:
        """Turn a game's :class:`Tokens` and legal masks ([n, A] bool) into a :class:`Group`."""
        lay = self.layout(game, tokens)
        n = tokens.features.shape[0]
        feats = np.zeros((n, lay.num_tokens, self.cfg.max_features), dtype=np.float32)
        feats[..., : lay.num_features] = tokens.features
        glob = np.zeros((n, self.cfg.max_globals), dtype=np.float32)
        if lay.num_globals:
            glob[:, : lay.num_globals] = tokens.globals
        return Group(
            layout=lay,
            game_id=self.game_id(game.name),
            features=torch.from_numpy(feats).to(device, non_blocking=True),
            globals=torch.from_numpy(glob).to(device, non_blocking=True),
            legal=torch.from_numpy(np.ascontiguousarray(legal, dtype=np.bool_)).to(device),
        )

    # -- cached per-layout constants -------------------------------------------------------------
    def _const(self, lay: Layout, what: str, device: torch.device, make) -> Any:
        key = (lay.key, what, str(device))
        value = self._consts.get(key)
        if value is None:
            # Made outside inference mode: the evaluator may fill the cache, and a training
            # forward must still be able to save these tensors for backward.
            with torch.inference_mode(False), torch.no_grad():
                value = make()
                value = value.to(device) if isinstance(value, Tensor) else value
            self._consts[key] = value
        return value

    def _index(self, lay: Layout, name: str, device: torch.device) -> Tensor:
        return self._const(lay, name, device, lambda: torch.from_numpy(getattr(lay, name)))

    # -- embedding -------------------------------------------------------------------------------
    def _embed(self, g: Group) -> Tensor:
        """[n, L, d]: the value token, the game token, the game's tokens, the special tokens."""
        lay, x, dev = g.layout, g.features, g.features.device
        n, d = g.size, self.cfg.d_model
        parts = []
        if lay.board_idx.size:
            hh, ww = lay.height, lay.width
            full = self._const(lay, "full", dev, lambda: bool(
                lay.board_idx.size == hh * ww == lay.num_tokens
                and (lay.cells == np.arange(hh * ww)).all()))
            if full:  # the common case: every token is a cell, in row-major order
                planes = x.view(n, hh, ww, -1)
            else:
                cells = self._index(lay, "cells", dev)
                planes = x.new_zeros(n, hh * ww, x.shape[-1])
                planes[:, cells] = x[:, self._index(lay, "board_idx", dev)]
                planes = planes.view(n, hh, ww, -1)
            board = self.stem(planes.permute(0, 3, 1, 2)).flatten(2).transpose(1, 2)
            if not full:
                board = board[:, cells]
            if self.cfg.positions == "grid":
                pos = F.interpolate(self.pos_grid, size=(hh, ww), mode="bilinear",
                                    align_corners=False).flatten(2).transpose(1, 2)
                board = board + (pos if full else pos[:, cells])
            parts.append(board)
        if lay.other_idx.size:
            parts.append(self.point_embed(x[:, self._index(lay, "other_idx", dev)]))
        tok = parts[0] if len(parts) == 1 else torch.cat(parts, 1)[:, self._index(lay, "order", dev)]
        game = self.game_embed.weight[g.game_id] + self.global_proj(g.globals)
        seq = [self.value_token.expand(n, 1, d), game[:, None, :], tok]
        if lay.num_special:
            seq.append(self.special.weight[: lay.num_special].expand(n, lay.num_special, d))
        return torch.cat(seq, 1)

    def _relative_bias(self, lay: Layout, dev: torch.device) -> Tensor:
        """float [layers, heads, L, L]: the learned bias between board tokens, 0 elsewhere."""
        offsets = self._const(lay, "rel_offsets", dev,
                              lambda: torch.from_numpy(lay.relative_offsets()))
        index = self._const(lay, "rel_index", dev, lambda: torch.from_numpy(lay.relative_index()))
        tb, nl, h = lay.board_idx.size, self.cfg.enc_layers, self.cfg.heads
        table = self.rel_bias(offsets)  # [P, layers * heads]
        bias = table[index].permute(2, 0, 1).reshape(nl, h, tb, tb)
        full = bias.new_zeros(nl, h, lay.seq_len, lay.seq_len)
        slots = self._index(lay, "board_idx", dev) + PREFIX
        full[:, :, slots[:, None], slots[None, :]] = bias
        return full

    # -- forward ---------------------------------------------------------------------------------
    def forward(self, groups: list[Group]) -> tuple[Tensor, Tensor]:
        """(logits float32 [N, Amax] with illegal and padded actions at -inf, values [N]).

        Rows follow ``groups`` in order; group ``i``'s actions are columns ``0..A_i-1``.
        """
        dev = groups[0].features.device
        seqs = [self._embed(g) for g in groups]
        sizes = [g.size for g in groups]
        lens = [g.seq_len for g in groups]
        lmax = max(lens)
        single = len(groups) == 1
        x = seqs[0] if single else torch.cat([F.pad(s, (0, 0, 0, lmax - s.shape[1])) for s in seqs])
        key_ok = None if single else _lengths_mask(lens, sizes, lmax, dev)
        masks: list[Tensor | None] = [key_ok] * self.cfg.enc_layers
        if self.cfg.positions == "relative" and any(g.layout.board_idx.size for g in groups):
            masks = self._bias_masks(groups, lens, lmax, x.dtype, dev)
        for layer, mask in zip(self.encoder, masks, strict=True):
            x = layer(x, mask)
        x = self.enc_norm(x)
        values = torch.tanh(self.value_head(x[:, 0]).squeeze(-1).float())
        if self.cfg.arch == "vit":
            logits = self._token_policy(x, groups)
        else:
            logits = self._decoder_policy(x, groups, key_ok)
        legal = _pad_cat([g.legal for g in groups], False)
        return logits.float().masked_fill(~legal, float("-inf")), values

    def _bias_masks(self, groups: list[Group], lens: list[int], lmax: int, dtype: torch.dtype,
                    dev: torch.device) -> list[Tensor]:
        """Per encoder layer: float [N or 1, heads, Lmax, Lmax], bias plus -inf on padded keys."""
        per_group = []
        for g, ln in zip(groups, lens, strict=True):
            if g.layout.board_idx.size:
                b = self._relative_bias(g.layout, dev)
            else:
                b = torch.zeros(self.cfg.enc_layers, self.cfg.heads, ln, ln, device=dev)
            if ln < lmax:  # padded keys are ignored; padded queries attend to the real keys
                b = F.pad(b, (0, lmax - ln, 0, lmax - ln))
                b[..., ln:] = float("-inf")
            per_group.append(b)
        if len(groups) == 1:
            return [per_group[0][i][None].to(dtype) for i in range(self.cfg.enc_layers)]
        return [
            torch.cat([b[i][None].expand(g.size, -1, -1, -1) for b, g in zip(per_group, groups, strict=True)])
            .to(dtype)
            for i in range(self.cfg.enc_layers)
        ]

    def _token_policy(self, x: Tensor, groups: list[Group]) -> Tensor:
        """AlphaViT: one logit per token (and special token); action a reads its token."""
        per_token = self.policy_head(x[:, PREFIX:]).squeeze(-1)  # [N, Lmax - 2]
        out, start = [], 0
        for g in groups:
            rows = per_token[start : start + g.size]
            out.append(rows[:, self._index(g.layout, "action_seq", x.device)])
            start += g.size
        return _pad_cat(out, float("-inf"))

    def _decoder_policy(self, x: Tensor, groups: list[Group], key_ok: Tensor | None) -> Tensor:
        """AlphaViD / AlphaVDA: queries resized to each group's action count, one logit each."""
        dev, queries, start = x.device, [], 0
        for g in groups:
            lay = g.layout
            if self.cfg.arch == "vid":
                src = self.query_proj(x[start : start + g.size, PREFIX : lay.seq_len])
                n_in = lay.num_tokens + lay.num_special
            else:
                src = self.action_queries
                n_in = self.cfg.action_queries
            m = self._const(lay, f"interp{n_in}", dev,
                            lambda n_in=n_in, a=lay.num_actions: interpolation_matrix(n_in, a))
            q = torch.matmul(m.to(src.dtype), src)
            queries.append(q if q.dim() == 3 else q.expand(g.size, -1, -1))
            start += g.size
        amax = max(g.layout.num_actions for g in groups)
        q = torch.cat([F.pad(t, (0, 0, 0, amax - t.shape[1])) for t in queries])
        q_ok = None
        if len(groups) > 1:
            q_ok = _lengths_mask([g.layout.num_actions for g in groups], [g.size for g in groups],
                                 amax, dev)
        for layer in self.decoder:
            q = layer(q, x, q_ok, key_ok)
        return self.policy_head(self.dec_norm(q)).squeeze(-1)

    @torch.no_grad()
    def predict(self, groups: list[Group]) -> tuple[Tensor, Tensor]:
        """(priors float32 [N, Amax], 0 on illegal/padded actions, values float32 [N])."""
        logits, values = self.forward(groups)
        priors = torch.softmax(logits, dim=-1)
        return torch.nan_to_num(priors, nan=0.0), values

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def interpolation_matrix(n_in: int, n_out: int) -> Tensor:
    """float32 [n_out, n_in]: linear resizing along a sequence (``interpolate(mode='linear',
    align_corners=False)``) as a matrix, so one matmul resizes a whole batch."""
    eye = torch.eye(n_in)[None]
    return F.interpolate(eye, size=n_out, mode="linear", align_corners=False)[0].T.contiguous()


def _lengths_mask(lens: list[int], sizes: list[int], total: int, dev: torch.device) -> Tensor:
    """bool [N, 1, 1, total]: True at the real positions of each row (rows grouped by size)."""
    per_row = torch.repeat_interleave(torch.tensor(lens, device=dev), torch.tensor(sizes, device=dev))
    return (torch.arange(total, device=dev)[None, :] < per_row[:, None])[:, None, None, :]


def _pad_cat(rows: list[Tensor], value: float | bool) -> Tensor:
    """Concatenate [n_i, A_i] tensors along rows, padding columns to the widest with ``value``."""
    if len(rows) == 1:
        return rows[0]
    amax = max(r.shape[1] for r in rows)
    out = rows[0].new_full((sum(r.shape[0] for r in rows), amax), value)
    start = 0
    for r in rows:
        out[start : start + r.shape[0], : r.shape[1]] = r
        start += r.shape[0]
    return out

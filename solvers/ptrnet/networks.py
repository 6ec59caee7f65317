"""The three pointer-network families, behind one step-wise decoder interface.

- :class:`LstmPointer`: Vinyals, Fortunato and Jaitly (2015). An LSTM reads the items in
  index order; an LSTM decoder, fed the embedding of the item it pointed at last, queries
  additive attention ``v . tanh(W1 e_j + W2 d_i)`` over the encoder states, and that
  attention is the output distribution. ``glimpses`` > 0 first refines the query with that
  many attention read-outs (Bello et al. 2016).
- :class:`AttentionPointer`: Kool, van Hoof and Welling (2019). A transformer encoder with
  no positional encoding (the items are a set, so the encoding is permutation-equivariant)
  and a decoder whose query is the graph mean plus the first, last and second-last items
  emitted, one multi-head glimpse over the masked items, then a single-head pointer with
  ``clip * tanh`` logits.
- :class:`RpwPointer`: Read-Process-Write (Vinyals, Bengio and Kudlur 2015), the set
  encoder of :mod:`varena.solvers.set2seq.network`: a per-item MLP (Read), ``process_steps``
  input-less LSTM steps attending over the items (Process: a permutation-invariant set
  embedding), then the LSTM pointer decoder started from that embedding (Write).

All read any n (no learned position per index). Every network points at ``n + 1`` memory
rows: the n items and a learned ``end`` token (games without an end action mask it out).

Interface (shapes; ``B`` rows, ``n`` items, ``D`` floats per item, all tensors batch-first)::

    enc = net.encode(x [B, n, D])                  -> dict of tensors
    st  = net.start(enc)                           -> decoder state (dict of tensors)
    lg  = net.logits(enc, st, mask [B, n+1] bool)  -> float [B, n+1], -inf where masked
    st  = net.advance(enc, st, actions [B] long)   -> the state after emitting ``actions``

:func:`take` reorders or repeats the rows of any of those dicts (beam search, sampling K).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn

from varena.engine.errors import CheckpointError

ARCHS = ("lstm", "attention", "rpw")
PROCESS_STEPS = (0, 64)
Tensors = dict[str, torch.Tensor]


@dataclass(frozen=True, slots=True)
class NetConfig:
    """Hyper-parameters of a pointer network (stored in every checkpoint)."""

    arch: str = "attention"
    item_dims: int = 2
    d: int = 128
    layers: int = 3
    heads: int = 8
    ff: int = 512
    glimpses: int = 1
    clip: float = 10.0
    max_n: int = 1000
    #: Add each item's index (i / n) as a feature. Hull and Delaunay labels are ordered by
    #: index (a hull starts at its lowest index, triangles are sorted triples), which a
    #: permutation-equivariant encoder cannot otherwise see.
    index_feature: bool = False
    #: P, the Process block's steps (rpw only; 0: the decoder starts from zeros).
    process_steps: int = 5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> NetConfig:
        known = {f.name for f in fields(cls)}
        extra = sorted(set(raw) - known)
        if extra:
            raise CheckpointError(f"unknown network config keys {extra}; accepted: {sorted(known)}")
        cfg = cls(**raw)
        lo, hi = PROCESS_STEPS
        p = cfg.process_steps
        if isinstance(p, bool) or not isinstance(p, int) or not lo <= p <= hi:
            raise CheckpointError(f"network config process_steps={p!r}; accepted: integer {lo}..{hi}")
        if cfg.arch not in ARCHS:
            raise CheckpointError(f"network arch {cfg.arch!r}; accepted: {', '.join(ARCHS)}")
        if cfg.arch == "attention" and cfg.d % cfg.heads:
            raise CheckpointError(f"d={cfg.d} is not a multiple of heads={cfg.heads}")
        return cfg


def take(tensors: Tensors, index: torch.Tensor) -> Tensors:
    """The rows ``index`` (long ``[B']``) of every tensor in ``tensors``."""
    return {k: v.index_select(0, index) for k, v in tensors.items()}


def _safe(mask: torch.Tensor) -> torch.Tensor:
    """``mask`` with column 0 opened in rows that allow nothing (finished rows), so that a
    softmax over them stays finite; decoders ignore those rows."""
    empty = ~mask.any(dim=1)
    if bool(empty.any()):
        mask = mask.clone()
        mask[empty, 0] = True
    return mask


def _with_index(x: torch.Tensor, cfg: NetConfig) -> torch.Tensor:
    if not cfg.index_feature:
        return x
    b, n, _ = x.shape
    idx = torch.arange(n, device=x.device, dtype=x.dtype) / n
    return torch.cat([x, idx.expand(b, n)[..., None]], dim=2)


def _clip(u: torch.Tensor, clip: float) -> torch.Tensor:
    return clip * torch.tanh(u) if clip > 0 else u


def build(cfg: NetConfig) -> nn.Module:
    if cfg.arch == "rpw":
        return RpwPointer(cfg)
    return LstmPointer(cfg) if cfg.arch == "lstm" else AttentionPointer(cfg)


class RpwPointer(nn.Module):
    """set2seq's :class:`ReadProcessWrite` behind this module's interface and config, so
    the ptrnet trainers, decoders and agent drive it as they drive the other two.

    Its Read block sees the index feature like the other encoders do: Process is
    permutation-invariant, so without it a hull label starting at the lowest index could
    not be learned.
    """

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        # set2seq.network builds its decoder from this module: import it here, not on top
        from varena.solvers.set2seq.network import NetConfig as RpwConfig, ReadProcessWrite

        self.cfg = cfg
        self.rpw = ReadProcessWrite(RpwConfig(
            item_dims=cfg.item_dims + cfg.index_feature, dim=cfg.d,
            process_steps=cfg.process_steps, glimpses=cfg.glimpses, clip=float(cfg.clip)))

    def encode(self, x: torch.Tensor) -> Tensors:
        return self.rpw.encode(_with_index(x, self.cfg))

    def start(self, enc: Tensors) -> Tensors:
        return self.rpw.start(enc)

    def advance(self, enc: Tensors, st: Tensors, actions: torch.Tensor) -> Tensors:
        return self.rpw.advance(enc, st, actions)

    def logits(self, enc: Tensors, st: Tensors, mask: torch.Tensor) -> torch.Tensor:
        return self.rpw.logits(enc, st, mask)

    def forced_logits(self, enc: Tensors, seq: torch.Tensor, prefix: int,
                      masks: torch.Tensor) -> torch.Tensor:
        """Teacher forcing (see :meth:`LstmPointer.forced_logits`)."""
        return self.rpw.forced_logits(enc, seq, prefix, masks)


class LstmPointer(nn.Module):
    """The paper's Pointer Network (one LSTM layer each side, additive pointer attention)."""

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d
        self.embed = nn.Linear(cfg.item_dims + cfg.index_feature, d)
        self.encoder = nn.LSTM(d, d, batch_first=True)
        self.cell = nn.LSTMCell(d, d)
        self.end_memory = nn.Parameter(torch.randn(d) / math.sqrt(d))
        self.end_input = nn.Parameter(torch.randn(d) / math.sqrt(d))
        self.go = nn.Parameter(torch.randn(d) / math.sqrt(d))
        self.w_ref = nn.Linear(d, d, bias=False)
        self.w_q = nn.Linear(d, d)
        self.v = nn.Parameter(torch.randn(d) / math.sqrt(d))
        if cfg.glimpses:
            self.g_ref = nn.Linear(d, d, bias=False)
            self.g_q = nn.Linear(d, d)
            self.g_v = nn.Parameter(torch.randn(d) / math.sqrt(d))

    def encode(self, x: torch.Tensor) -> Tensors:
        b = x.shape[0]
        emb = self.embed(_with_index(x, self.cfg))
        mem, (h, c) = self.encoder(emb)
        mem = torch.cat([mem, self.end_memory.expand(b, 1, -1)], dim=1)
        enc = {"mem": mem, "ref": self.w_ref(mem),
               "inputs": torch.cat([emb, self.end_input.expand(b, 1, -1)], dim=1),
               "h0": h[0], "c0": c[0]}
        if self.cfg.glimpses:
            enc["gref"] = self.g_ref(mem)
        return enc

    def start(self, enc: Tensors) -> Tensors:
        b = enc["mem"].shape[0]
        h, c = self.cell(self.go.expand(b, -1), (enc["h0"], enc["c0"]))
        return {"h": h, "c": c}

    def advance(self, enc: Tensors, st: Tensors, actions: torch.Tensor) -> Tensors:
        x = enc["inputs"][torch.arange(len(actions), device=actions.device), actions]
        h, c = self.cell(x, (st["h"], st["c"]))
        return {"h": h, "c": c}

    def logits(self, enc: Tensors, st: Tensors, mask: torch.Tensor,
               glimpse_mask: torch.Tensor | None = None) -> torch.Tensor:
        """``glimpse_mask``: what the glimpses read, where it differs from ``mask`` (what the
        pointer may emit): set2seq's free-trained networks glimpse over every element."""
        mask = _safe(mask)
        seen = mask if glimpse_mask is None else _safe(glimpse_mask)
        q = st["h"]
        for _ in range(self.cfg.glimpses):
            u = torch.tanh(enc["gref"] + self.g_q(q)[:, None, :]) @ self.g_v
            a = torch.softmax(u.masked_fill(~seen, float("-inf")), dim=1)
            q = torch.einsum("bn,bnd->bd", a, enc["mem"])
        u = torch.tanh(enc["ref"] + self.w_q(q)[:, None, :]) @ self.v
        return _clip(u, self.cfg.clip).masked_fill(~mask, float("-inf"))

    def forced_logits(self, enc: Tensors, seq: torch.Tensor, prefix: int,
                      masks: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: the logits of every step at once, float ``[B, T, n+1]``.

        ``seq`` long ``[B, prefix + T]``: the prefix tokens then the labels (any valid index
        where a row has ended); ``masks`` bool ``[B, T, n+1]``: the legal actions of each step.
        """
        b, t = masks.shape[0], masks.shape[1]
        rows = torch.arange(b, device=seq.device)
        h, c = self.cell(self.go.expand(b, -1), (enc["h0"], enc["c0"]))
        hs = [h]
        for j in range(prefix + t - 1):
            h, c = self.cell(enc["inputs"][rows, seq[:, j]], (h, c))
            hs.append(h)
        q = torch.stack(hs[prefix:prefix + t], dim=1)  # [B, T, d]
        masks = _safe(masks.reshape(b * t, -1)).view(b, t, -1)
        for _ in range(self.cfg.glimpses):
            u = torch.tanh(enc["gref"][:, None] + self.g_q(q)[:, :, None, :]) @ self.g_v
            a = torch.softmax(u.masked_fill(~masks, float("-inf")), dim=2)
            q = torch.einsum("btn,bnd->btd", a, enc["mem"])
        u = torch.tanh(enc["ref"][:, None] + self.w_q(q)[:, :, None, :]) @ self.v
        return _clip(u, self.cfg.clip).masked_fill(~masks, float("-inf"))


class AttentionPointer(nn.Module):
    """Transformer encoder over the item set + Kool et al.'s attention decoder."""

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d
        self.embed = nn.Linear(cfg.item_dims + cfg.index_feature, d)
        self.end_token = nn.Parameter(torch.randn(d) / math.sqrt(d))
        self.placeholder = nn.Parameter(torch.randn(d) / math.sqrt(d))
        layer = nn.TransformerEncoderLayer(d, cfg.heads, cfg.ff, dropout=0.0, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.w_graph = nn.Linear(d, d, bias=False)
        self.w_context = nn.Linear(3 * d, d, bias=False)
        self.phase = nn.Embedding(3, d)  # position inside a triangle (Delaunay); 0 elsewhere helps too
        self.w_kvl = nn.Linear(d, 3 * d, bias=False)
        self.w_out = nn.Linear(d, d, bias=False)

    def encode(self, x: torch.Tensor) -> Tensors:
        b, n, _ = x.shape
        h = torch.cat([self.embed(_with_index(x, self.cfg)), self.end_token.expand(b, 1, -1)], dim=1)
        h = self.norm(self.encoder(h))
        k, v, lk = self.w_kvl(h).chunk(3, dim=-1)
        ext = torch.cat([h, self.placeholder.expand(b, 1, -1)], dim=1)  # row n+1: "none yet"
        return {"nodes": ext, "fixed": self.w_graph(h[:, :n].mean(dim=1)), "k": k, "v": v, "lk": lk}

    def start(self, enc: Tensors) -> Tensors:
        b = enc["nodes"].shape[0]
        none = torch.full((b,), -1, dtype=torch.long, device=enc["nodes"].device)
        return {"first": none, "last": none, "prev": none, "t": torch.zeros_like(none)}

    def advance(self, enc: Tensors, st: Tensors, actions: torch.Tensor) -> Tensors:
        first = torch.where(st["first"] < 0, actions, st["first"])
        return {"first": first, "last": actions, "prev": st["last"], "t": st["t"] + 1}

    def logits(self, enc: Tensors, st: Tensors, mask: torch.Tensor) -> torch.Tensor:
        mask = _safe(mask)
        nodes = enc["nodes"]
        b, m, d = nodes.shape[0], nodes.shape[1] - 1, self.cfg.d
        rows = torch.arange(b, device=nodes.device)

        def at(i: torch.Tensor) -> torch.Tensor:
            return nodes[rows, torch.where(i < 0, m, i)]

        ctx = torch.cat([at(st["first"]), at(st["last"]), at(st["prev"])], dim=1)
        q = enc["fixed"] + self.w_context(ctx) + self.phase(st["t"] % 3)
        hds = self.cfg.heads
        dh = d // hds
        qh = q.view(b, hds, 1, dh)
        kh = enc["k"].view(b, m, hds, dh).transpose(1, 2)
        vh = enc["v"].view(b, m, hds, dh).transpose(1, 2)
        compat = (qh @ kh.transpose(-1, -2)) / math.sqrt(dh)  # [B, H, 1, m]
        compat = compat.masked_fill(~mask[:, None, None, :], float("-inf"))
        glimpse = (torch.softmax(compat, dim=-1) @ vh).reshape(b, d)
        g = self.w_out(glimpse)
        u = torch.einsum("bd,bmd->bm", g, enc["lk"]) / math.sqrt(d)
        return _clip(u, self.cfg.clip).masked_fill(~mask, float("-inf"))

    def forced_logits(self, enc: Tensors, seq: torch.Tensor, prefix: int,
                      masks: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: every step's logits at once (see :meth:`LstmPointer.forced_logits`)."""
        nodes = enc["nodes"]
        b, t = masks.shape[0], masks.shape[1]
        m, d, hds = nodes.shape[1] - 1, self.cfg.d, self.cfg.heads
        dh = d // hds
        dev = seq.device
        j = torch.arange(prefix, prefix + t, device=dev)  # tokens emitted before each step
        none = torch.full((b, 1), -1, dtype=torch.long, device=dev)
        padded = torch.cat([none, none, seq], dim=1)  # padded[:, k + 2] = seq[:, k]
        last, prev = padded[:, j + 1], padded[:, j]
        first = torch.where(j[None] >= 1, seq[:, :1], -1).expand(b, t)
        rows = torch.arange(b, device=dev)[:, None]

        def at(i: torch.Tensor) -> torch.Tensor:
            return nodes[rows, torch.where(i < 0, m, i)]

        ctx = torch.cat([at(first), at(last), at(prev)], dim=2)
        q = enc["fixed"][:, None] + self.w_context(ctx) + self.phase(j % 3)[None]
        masks = _safe(masks.reshape(b * t, -1)).view(b, t, -1)
        qh = q.view(b, t, hds, dh).transpose(1, 2)  # [B, H, T, dh]
        kh = enc["k"].view(b, m, hds, dh).transpose(1, 2)
        vh = enc["v"].view(b, m, hds, dh).transpose(1, 2)
        compat = (qh @ kh.transpose(-1, -2)) / math.sqrt(dh)  # [B, H, T, m]
        compat = compat.masked_fill(~masks[:, None], float("-inf"))
        glimpse = (torch.softmax(compat, dim=-1) @ vh).transpose(1, 2).reshape(b, t, d)
        u = self.w_out(glimpse) @ enc["lk"].transpose(1, 2) / math.sqrt(d)
        return _clip(u, self.cfg.clip).masked_fill(~masks, float("-inf"))

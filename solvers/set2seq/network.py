"""The Read-Process-Write network ("Order Matters", Vinyals, Bengio, Kudlur 2015).

- **Read**: the same small MLP maps every element x_i to a memory m_i. Nothing depends on
  where an element sits in the input.
- **Process**: an LSTM with no input of its own runs P steps; each step's query q_t attends
  over the memories by content (e_i = m_i . q_t, a = softmax(e), r_t = sum a_i m_i) and
  the next step starts from q*_t = [q_t, r_t]. Sums and softmaxes over the memories do not
  see their order, so q*_P (the set's embedding) is invariant to permuting the input.
- **Write**: a pointer LSTM started from q*_P (the Pointer Network's decoder, reused from
  :mod:`varena.solvers.ptrnet.networks`). Its input at step t is the memory of the element
  it pointed at last (a learned start vector first); each step it takes one glimpse over
  the memories, then points: the output distribution is an attention over the memories
  plus a learned ``end`` memory (for outputs of variable length).

Every pointer step takes a legal mask (True = may be emitted), so decodes under a game's
rules never emit an invalid output.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn

from varena.engine.errors import CheckpointError


@dataclass(frozen=True, slots=True)
class NetConfig:
    """The shape of a network; stored in checkpoints."""

    item_dims: int = 1          # floats per element (1: numbers, 2: points)
    dim: int = 64               # memory / LSTM width
    process_steps: int = 5      # P: Process-block steps (0 = no Process block)
    glimpses: int = 1           # glimpses per Write step (0 or 1 in the paper)
    clip: float = 10.0          # logits = clip * tanh(u) (Bello et al.); 0: no clipping

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NetConfig:
        if not isinstance(d, dict):
            raise CheckpointError("network config is not an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise CheckpointError(f"network config has unknown keys {unknown}")
        cfg = cls(**d)
        cfg.check()
        return cfg

    def check(self) -> None:
        ranges = {"item_dims": (1, 16), "dim": (4, 1024), "process_steps": (0, 64), "glimpses": (0, 4)}
        for name, (lo, hi) in ranges.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise CheckpointError(f"network config {name}={v!r}; accepted: integer {lo}..{hi}")
        if isinstance(self.clip, bool) or not isinstance(self.clip, int | float) or not 0 <= self.clip <= 100:
            raise CheckpointError(f"network config clip={self.clip!r}; accepted: number 0..100")


Tensors = dict[str, torch.Tensor]


class ReadProcessWrite(nn.Module):
    """Read-Process-Write; see the module doc.

    The Write block IS the Pointer Network's LSTM decoder
    (:class:`varena.solvers.ptrnet.networks.LstmPointer`: its decoder cell, glimpse and
    pointer attention), fed by the Read memories instead of an LSTM over the inputs and
    started from q*_P instead of the encoder's last state. The interface is therefore the
    Pointer Network's, and that package's decoding strategies (greedy, sampling, beam under
    a game's legal mask) drive this network unchanged::

        enc = net.encode(x [B, n, D])                  -> dict of tensors (q*_P in enc["qstar"])
        st  = net.start(enc)                           -> decoder state (dict of tensors)
        lg  = net.logits(enc, st, mask [B, n+1] bool)  -> float [B, n+1], -inf where masked
        st  = net.advance(enc, st, actions [B] long)   -> the state after emitting ``actions``
        lg  = net.forced_logits(enc, seq, prefix, masks [B, T, n+1])  (teacher forcing)

    Column ``n`` is the decoder's learned end memory (masked out where a game has no end).
    """

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        from varena.solvers.ptrnet.networks import LstmPointer, NetConfig as PtrConfig

        cfg.check()
        self.cfg = cfg
        d = cfg.dim
        self.read = nn.Sequential(nn.Linear(cfg.item_dims, d), nn.ReLU(), nn.Linear(d, d))
        self.process = nn.LSTMCell(2 * d, d)
        self.init_h = nn.Linear(2 * d, d)
        self.init_c = nn.Linear(2 * d, d)
        self.write = LstmPointer(PtrConfig(arch="lstm", item_dims=cfg.item_dims, d=d,
                                           glimpses=cfg.glimpses, clip=cfg.clip))
        # Its input side (an embedding and an LSTM reading the items in index order) is
        # what Read and Process replace; only its decoder is used.
        del self.write.embed, self.write.encoder

    # -- Read and Process ------------------------------------------------------------------
    def memories(self, items: torch.Tensor) -> torch.Tensor:
        """Read: ``[B, n, item_dims]`` -> ``[B, n, d]``, element by element."""
        if items.dim() != 3 or items.shape[2] != self.cfg.item_dims:
            raise ValueError(f"items must be [B, n, {self.cfg.item_dims}]; got {tuple(items.shape)}")
        return self.read(items)

    def set_embedding(self, memories: torch.Tensor) -> torch.Tensor:
        """Process: q*_P (``[B, 2d]``) after P input-less LSTM steps attending over memories."""
        b, _, d = memories.shape
        qstar = memories.new_zeros(b, 2 * d)
        h = memories.new_zeros(b, d)
        c = memories.new_zeros(b, d)
        for _ in range(self.cfg.process_steps):
            h, c = self.process(qstar, (h, c))
            att = torch.softmax(torch.einsum("bnd,bd->bn", memories, h), dim=1)
            r = torch.einsum("bn,bnd->bd", att, memories)
            qstar = torch.cat([h, r], dim=1)
        return qstar

    # -- Write (the Pointer Network's decoder) ---------------------------------------------
    def encode(self, items: torch.Tensor) -> Tensors:
        """Read and Process ``items`` (``[B, n, item_dims]``): the decoder's inputs."""
        w = self.write
        mem = self.memories(items)
        qstar = self.set_embedding(mem)
        b = mem.shape[0]
        inputs = torch.cat([mem, w.end_input.expand(b, 1, -1)], dim=1)
        mem = torch.cat([mem, w.end_memory.expand(b, 1, -1)], dim=1)
        enc = {"mem": mem, "ref": w.w_ref(mem), "inputs": inputs, "qstar": qstar,
               "h0": torch.tanh(self.init_h(qstar)), "c0": self.init_c(qstar)}
        if self.cfg.glimpses:
            enc["gref"] = w.g_ref(mem)
        return enc

    def start(self, enc: Tensors) -> Tensors:
        return self.write.start(enc)

    def advance(self, enc: Tensors, st: Tensors, actions: torch.Tensor) -> Tensors:
        return self.write.advance(enc, st, actions)

    #: Glimpse over every element whatever ``mask`` says (the pointer still obeys it). A
    #: network trained under the ``free`` rule took its glimpses over every element, the
    #: one it just emitted included; decoded under a game's legal mask it would read
    #: something it never saw in training (measured: ``sort_free_n10`` sorts 94% of N = 10
    #: sets free, 0% with the mask in its glimpse, see docs/SET2SEQ.md). The agent sets
    #: this for checkpoints trained free, so the legal mask only filters the output.
    free_glimpse: bool = False

    def logits(self, enc: Tensors, st: Tensors, mask: torch.Tensor) -> torch.Tensor:
        if not self.free_glimpse:
            return self.write.logits(enc, st, mask)
        # the glimpse over all n elements (not the end memory, which the free rule's
        # glimpses did not see either unless ``mask`` allows it)
        seen = mask.clone()
        seen[:, :-1] = True
        return self.write.logits(enc, st, mask, glimpse_mask=seen)

    def forced_logits(self, enc: Tensors, seq: torch.Tensor, prefix: int,
                      masks: torch.Tensor) -> torch.Tensor:
        return self.write.forced_logits(enc, seq, prefix, masks)


def take(tensors: Tensors, index: torch.Tensor) -> Tensors:
    """The rows ``index`` of every tensor of an ``encode``/``start`` dict."""
    return {k: v.index_select(0, index) for k, v in tensors.items()}


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())

"""Decoding for training and measurement: teacher forcing, greedy and sampled decodes under a
rule, and sampling orders of a label set (the order-search loss's proposal).

Playing a game goes through the game's own legal mask instead (:mod:`.agent`); here the
legal outputs at a step are a *rule*, computed on whole batches of tensors:

- ``permutation`` (sorting): every element exactly once, no end action; n steps;
- ``subset`` (a set output, e.g. a hull's vertex set): every element at most once, then
  ``end`` (legal once something was emitted); at most n + 1 steps;
- ``free``: no constraint on the elements (the Order Matters paper's unconstrained
  pointer; a decode may repeat an element, which then counts as wrong). With a permutation
  label it runs n steps and never ends early; with a set label ``end`` is legal from step 1.

Sequences are int64 ``[B, T]`` padded with -1 after their end; index ``n`` is ``end``.
"""

from __future__ import annotations

import torch

from varena.solvers.set2seq.network import ReadProcessWrite

RULES = ("permutation", "subset", "free")


def step_mask(rule: str, emitted: torch.Tensor, t: int, has_end: bool) -> torch.Tensor:
    """Bool ``[B, n+1]``: what may be emitted at step ``t`` given ``emitted`` (``[B, n]``);
    ``has_end``: the output ends with the end action (a set), else it is n long."""
    body = torch.ones_like(emitted) if rule == "free" else ~emitted
    can_end = torch.full((len(emitted), 1), has_end and t > 0, dtype=torch.bool,
                         device=emitted.device)
    return torch.cat([body, can_end], dim=1)


def teacher_forced(net: ReadProcessWrite, items: torch.Tensor, targets: torch.Tensor, rule: str,
                   has_end: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probability of each target sequence under ``rule`` and whether it was the greedy
    choice at every step: ``(logp [B], exact [B] bool)``. ``targets``: int64 ``[B, T]``.
    All steps' pointers in one pass (the decoder's ``forced_logits``)."""
    b, n, _ = items.shape
    t_len = targets.shape[1]
    live = targets >= 0
    y = targets.clamp(min=0)
    hit = torch.nn.functional.one_hot(y, n + 1)[..., :n].bool() & live[..., None]
    before = (torch.cumsum(hit.int(), dim=1) - hit.int()) > 0  # emitted before step t
    body = torch.ones_like(before) if rule == "free" else ~before
    can_end = (torch.arange(t_len, device=items.device) > 0) & has_end
    masks = torch.cat([body, can_end[None, :, None].expand(b, t_len, 1)], dim=2) & live[..., None]
    lp = torch.log_softmax(net.forced_logits(net.encode(items), y, 0, masks), dim=2)
    tok = lp.gather(2, y[..., None])[..., 0]
    logp = torch.where(live, tok, torch.zeros_like(tok)).sum(dim=1)
    exact = (~live | (lp.argmax(dim=2) == y)).all(dim=1)
    return logp, exact


@torch.no_grad()
def decode(net: ReadProcessWrite, items: torch.Tensor, rule: str, has_end: bool,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Greedy decode under ``rule`` (sampled when a ``generator`` is given): int64
    ``[B, T]``, -1 after the end action."""
    b, n, _ = items.shape
    steps = n + 1 if has_end else n
    enc = net.encode(items)
    st = net.start(enc)
    emitted = torch.zeros(b, n, dtype=torch.bool, device=items.device)
    done = torch.zeros(b, dtype=torch.bool, device=items.device)
    out = torch.full((b, steps), -1, dtype=torch.int64, device=items.device)
    rows = torch.arange(b, device=items.device)
    for t in range(steps):
        mask = step_mask(rule, emitted, t, has_end)
        if has_end and t == steps - 1:  # the last step of a variable-length output ends it
            mask = torch.zeros_like(mask)
            mask[:, n] = True
        logits = net.logits(enc, st, mask & ~done[:, None])
        if generator is None:
            y = logits.argmax(dim=1)
        else:
            y = torch.multinomial(torch.softmax(logits, dim=1), 1, generator=generator)[:, 0]
        out[:, t] = torch.where(done, torch.full_like(y, -1), y)
        elem = ~done & (y < n)
        emitted[rows[elem], y[elem]] = True
        done = done | (y == n)
        if done.all():
            break
        st = net.advance(enc, st, y)
    return out


@torch.no_grad()
def sample_set_orders(net: ReadProcessWrite, items: torch.Tensor, members: torch.Tensor, k: int,
                      generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``k`` orders of each row's label set (then ``end``), drawn from the network
    restricted to the set.

    The proposal q at each step is the model's distribution renormalised over the members
    not yet emitted (``end`` once all are out), so the importance weight of an order is
    p(order) / q(order) = the product over steps of the mass the model put on the members
    left. Resampling among the ``k`` by these weights draws orders approximately in
    proportion to the model's probability of them (exactly so as ``k`` grows).

    Returns ``(orders [B*k, T], log_weights [B*k])``, rows grouped by instance (i*k + j).
    """
    b, n, _ = items.shape
    rep = torch.arange(b, device=items.device).repeat_interleave(k)
    members_k = members[rep]
    sizes = members_k.sum(dim=1)
    enc = net.encode(items[rep])
    st = net.start(enc)
    bk = len(rep)
    emitted = torch.zeros(bk, n, dtype=torch.bool, device=items.device)
    steps = int(sizes.max()) + 1
    out = torch.full((bk, steps), -1, dtype=torch.int64, device=items.device)
    logw = items.new_zeros(bk)
    rows = torch.arange(bk, device=items.device)
    for t in range(steps):
        left = members_k & ~emitted
        live = t <= sizes
        lp = torch.log_softmax(net.logits(enc, st, step_mask("subset", emitted, t, True)), dim=1)
        allowed = torch.cat([left, (left.sum(dim=1) == 0)[:, None]], dim=1)
        restricted = lp.masked_fill(~allowed, float("-inf"))
        logw = logw + torch.where(live, torch.logsumexp(restricted, dim=1), torch.zeros_like(logw))
        restricted = torch.where(live[:, None], restricted, 0.0)  # finished rows: a dummy draw
        y = torch.multinomial(torch.softmax(restricted, dim=1), 1, generator=generator)[:, 0]
        out[:, t] = torch.where(live, y, torch.full_like(y, -1))
        elem = live & (y < n)
        emitted[rows[elem], y[elem]] = True
        if t + 1 < steps:
            st = net.advance(enc, st, y)
    return out, logw

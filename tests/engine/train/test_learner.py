"""The learner: schedule, the bound on training per new position, loss going down, and its
optimiser state surviving a safetensors round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from varena.engine.host import get_host
from varena.engine.train.config import LEARNER, check_section
from varena.engine.train.learner import Learner, allowed_steps, lr_at
from varena.solvers.alphavit.checkpoints import new_network


def _opts(**kw):
    return check_section(kw, LEARNER, "learner")


def test_schedule_warms_up_then_decays_to_the_floor():
    o = _opts(lr=1e-3, warmup_steps=10, schedule="cosine", decay_steps=110, final_lr_fraction=0.1)
    assert lr_at(0, o) == pytest.approx(1e-4)
    assert lr_at(9, o) == pytest.approx(1e-3)
    assert lr_at(60, o) == pytest.approx(0.55e-3)
    assert lr_at(110, o) == pytest.approx(1e-4) == lr_at(10_000, o)
    assert lr_at(500, _opts(lr=1e-3, warmup_steps=0, schedule="constant")) == 1e-3


def test_training_per_new_position_is_bounded():
    o = _opts(batch_size=100, samples_per_position=4.0)
    assert allowed_steps(999, o, 1000) == 0
    assert allowed_steps(1000, o, 1000) == 40
    assert allowed_steps(2500, o, 1000) == 100


def _batch(game, n, rng):
    states = []
    for _ in range(n):
        s = game.initial_state()
        for _ in range(int(rng.integers(0, 4))):
            s = game.next_state(s, int(rng.choice(np.flatnonzero(game.legal_mask(s)))))
        states.append(s)
    states = np.stack(states)
    legal = game.legal_masks(states)
    policy = legal / legal.sum(1, keepdims=True)
    policy = np.where(legal, rng.random(policy.shape), 0)
    policy = (policy / policy.sum(1, keepdims=True)).astype(np.float32)
    return states, policy, rng.uniform(-1, 1, n).astype(np.float32)


def test_loss_goes_down_and_optimiser_state_round_trips():
    from safetensors.torch import load as st_load, save as st_save

    game = get_host().make_game("gomoku:size=4,k=3")
    rng = np.random.default_rng(0)
    states, policy, value = _batch(game, 32, rng)
    net = new_network("vit", "small", ["gomoku"], seed=0, d_model=16, heads=2, ff=32, enc_layers=1)
    learner = Learner(net, _opts(lr=3e-3, warmup_steps=0, schedule="constant"), torch.device("cpu"))
    first = learner.train_step(game, states, policy, value)
    for _ in range(30):
        last = learner.train_step(game, states, policy, value)
    assert last["loss"] < first["loss"] - 0.1
    assert last["policy_kl"] >= -1e-5 and np.isfinite(last["grad_norm"])
    tensors, meta = learner.state_tensors()
    copy = Learner(new_network("vit", "small", ["gomoku"], seed=1, d_model=16, heads=2, ff=32,
                               enc_layers=1), learner.o, torch.device("cpu"))
    copy.net.load_state_dict(net.state_dict())
    copy.load_state_tensors(st_load(st_save(tensors)), meta)
    assert copy.step_count == learner.step_count == 31
    a = learner.train_step(game, states, policy, value)
    b = copy.train_step(game, states, policy, value)
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
    for p, q in zip(net.parameters(), copy.net.parameters(), strict=True):
        torch.testing.assert_close(p, q)

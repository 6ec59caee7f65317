"""Read-Process-Write (set2seq's network) as the ptrnet package's third arch: it trains
through the ptrnet trainer, its checkpoints load and play through ``ptrnet:checkpoint=``,
its set embedding ignores the input order, and a bad ``process_steps`` is one clear error.
(The decoding tests of test_decoding.py and test_networks.py run on rpw too: helpers.ARCHS.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from varena.engine.errors import CheckpointError, SpecError
from varena.engine.host import get_host
from varena.engine.train.rundir import RunDir
from varena.engine.train.trainer import Budget
from varena.solvers.ptrnet.agent import PtrNetSolver
from varena.solvers.ptrnet.checkpoints import load_network
from varena.solvers.ptrnet.config import SUPERVISED, check_config
from varena.solvers.ptrnet.networks import NetConfig, RpwPointer

from .helpers import game, net, play

TINY = dict(solver="ptrnet", trainer="supervised", arch="rpw", d=16, process_steps=2, batch=16,
            eval_every=4, log_every=2, checkpoint_every=4, eval_instances=8,
            problem="convex_hull", sizes=[6], train_instances=32, lr=3e-3)


def test_rpw_trains_on_hull_and_its_checkpoint_plays_through_the_agent(tmp_path):
    run = RunDir(tmp_path / "run", "cfg")
    trainer = PtrNetSolver.trainers()["supervised"](TINY, run, "cpu", 0)
    assert isinstance(trainer.net, RpwPointer)
    out = trainer.train(Budget(max_steps=4))
    assert out["step"] == 4 and "eval_n6_exact" in out
    losses = [r["loss"] for r in run.read_metrics() if "loss" in r]
    assert losses and all(np.isfinite(losses))
    path = run.latest_checkpoint()[1]
    loaded, meta = load_network(path)
    assert meta["problem"] == "convex_hull" and isinstance(loaded, RpwPointer)
    assert loaded.cfg.arch == "rpw" and loaded.cfg.process_steps == 2 and loaded.cfg.index_feature
    for (ka, va), (kb, vb) in zip(trainer.net.state_dict().items(), loaded.state_dict().items(),
                                  strict=True):
        assert ka == kb and torch.equal(va.cpu(), vb)
    g = game("convex_hull:n=6")
    for decode in ("greedy", "beam,width=3"):
        agent = get_host().make_agent(f"ptrnet:checkpoint={path},decode={decode}", g, 0)
        for s in g.initial_states(3, np.random.default_rng(1)):
            while not g.outcome(s)[0]:
                s = g.play(s, int(agent.select_actions(s[None])[0]))  # play raises if illegal
            g.evaluate(g.instance(s), g.solution(s))


def test_a_fresh_rpw_agent_plays_tsp():
    g = game("tsp:n=7")
    agent = get_host().make_agent("ptrnet:arch=rpw", g, 0)
    s = g.initial_state(np.random.default_rng(0))
    while not g.outcome(s)[0]:
        s = g.play(s, int(agent.select_actions(s[None])[0]))
    assert sorted(g.tour(s).tolist()) == list(range(7))


@pytest.mark.parametrize("steps", [0, 3])
def test_the_set_embedding_ignores_the_input_order(steps):
    m = net("rpw", process_steps=steps, index_feature=False)
    x = torch.rand(3, 11, 2)
    perm = torch.randperm(11)
    mask = torch.ones(3, 12, dtype=torch.bool)
    with torch.no_grad():
        a, b = m.encode(x), m.encode(x[:, perm])
        torch.testing.assert_close(b["qstar"], a["qstar"], rtol=1e-5, atol=1e-6)
        la, lb = m.logits(a, m.start(a), mask), m.logits(b, m.start(b), mask)
    torch.testing.assert_close(lb[:, :11], la[:, perm], rtol=1e-4, atol=1e-5)  # equivariant pointer
    torch.testing.assert_close(lb[:, 11], la[:, 11], rtol=1e-4, atol=1e-5)  # the end column


def test_the_index_feature_reaches_the_set_embedding():
    m = net("rpw", index_feature=True)
    x = torch.rand(1, 9, 2)
    with torch.no_grad():
        a, b = m.encode(x), m.encode(x.flip(1))
    assert not torch.allclose(a["qstar"], b["qstar"])


def test_rpw_decodes_under_the_legal_mask_on_hull():
    from varena.solvers.ptrnet.decoding import beam_search, greedy

    g = game("convex_hull:n=8")
    m = net("rpw")
    states = g.initial_states(4, np.random.default_rng(3))
    for d in (greedy(m, g, states), beam_search(m, g, states, width=3)):
        for s, acts in zip(states, d.actions, strict=True):
            assert g.outcome(play(g, s, acts))[0]


@pytest.mark.parametrize("bad", [-1, 65, 2.5, True])
def test_a_bad_process_steps_is_one_clear_error(bad):
    with pytest.raises(CheckpointError, match=r"process_steps=.*accepted: integer 0\.\.64") as e:
        NetConfig.from_dict({"arch": "rpw", "process_steps": bad})
    assert "\n" not in str(e.value)
    with pytest.raises(SpecError, match=r"process_steps.*0\.\.64") as e:
        check_config({**TINY, "process_steps": bad}, "supervised", SUPERVISED)
    assert "\n" not in str(e.value)


def test_checkpoints_from_before_process_steps_load_with_the_default():
    raw = NetConfig(arch="lstm", d=16).to_dict()
    del raw["process_steps"]
    assert NetConfig.from_dict(raw).process_steps == 5
    assert check_config({**TINY, "process_steps": 7}, "supervised", SUPERVISED).net_config().process_steps == 7


@pytest.mark.parametrize("name", ["hull_rpw", "tsp20_rpw"])
def test_the_shipped_rpw_configs_parse_and_build(name):
    from varena.engine.train.cli import read_config
    from varena.solvers.ptrnet.checkpoints import new_network

    stem, _, raw = read_config(f"ptrnet/{name}")
    assert stem == name and raw["arch"] == "rpw"
    cfg = check_config(raw, raw["trainer"], SUPERVISED).net_config()
    assert (cfg.arch, cfg.d, cfg.process_steps, cfg.glimpses) == ("rpw", 128, 5, 1)
    assert cfg.index_feature is (raw["problem"] == "convex_hull")
    with torch.device("meta"):  # the shapes only
        m = new_network(cfg)
    assert m.rpw.cfg.item_dims == 2 + cfg.index_feature and m.rpw.cfg.dim == 128

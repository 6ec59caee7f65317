"""The trainers through the Trainer contract: they learn, resume, and check their config."""

from __future__ import annotations

import numpy as np
import pytest

from varena.engine.errors import SpecError
from varena.engine.train.rundir import RunDir
from varena.engine.train.trainer import Budget
from varena.solvers.ptrnet.agent import PtrNetSolver
from varena.solvers.ptrnet.checkpoints import load_network

TINY = dict(solver="ptrnet", d=16, layers=1, heads=2, ff=32, batch=16, eval_every=4, log_every=2,
            checkpoint_every=4, eval_instances=8)


def _trainer(name, run, **cfg):
    return PtrNetSolver.trainers()[name]({**TINY, "trainer": name, **cfg}, run, "cpu", 0)


def test_solver_offers_both_trainers():
    assert set(PtrNetSolver.trainers()) == {"supervised", "reinforce"}


def test_supervised_learns_and_resumes_where_it_stopped(tmp_path):
    cfg = dict(problem="convex_hull", sizes=[6, 9], train_instances=64, lr=3e-3)
    run = RunDir(tmp_path / "run", "cfg")
    t = _trainer("supervised", run, **cfg)
    out = t.train(Budget(max_steps=8))
    assert out["step"] == 8 and "eval_n9_exact" in out
    rows = run.read_metrics()
    losses = [r["loss"] for r in rows if "loss" in r]
    assert len(losses) == 4 and losses[-1] < losses[0]  # teacher forcing lowers the loss
    assert run.latest_checkpoint()[0] == 8
    again = _trainer("supervised", RunDir(tmp_path / "run", "cfg", resume=True), **cfg)
    assert again.step == 8
    second = again.train(Budget(max_steps=12))
    assert second["step"] == 12
    assert 0 < out["cpu_minutes"] < second["cpu_minutes"]  # CPU time adds up over sittings
    _, meta = load_network(run.latest_checkpoint()[1])
    assert meta["problem"] == "convex_hull" and meta["trainer"] == "supervised"
    assert meta["trained_on"] == ["convex_hull:n=6", "convex_hull:n=9"]
    assert (tmp_path / "run" / "data" / "convex_hull-n9-c64-s0.npz").is_file()


def test_runs_are_deterministic_from_the_seed(tmp_path):
    cfg = dict(problem="tsp", sizes=[6], train_instances=32)
    for k in (1, 2):
        _trainer("supervised", RunDir(tmp_path / f"r{k}", "cfg"), **cfg).train(Budget(max_steps=4))
    a, _ = load_network(RunDir(tmp_path / "r1", "cfg", resume=True).latest_checkpoint()[1])
    b, _ = load_network(RunDir(tmp_path / "r2", "cfg", resume=True).latest_checkpoint()[1])
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert ka == kb and np.array_equal(va.numpy(), vb.numpy())


@pytest.mark.slow
@pytest.mark.parametrize("baseline", ["rollout", "pomo"])
def test_reinforce_runs_with_each_baseline(tmp_path, baseline):
    run = RunDir(tmp_path / "run", "cfg")
    t = _trainer("reinforce", run, problem="tsp", sizes=[6, 8], baseline=baseline,
                 baseline_every=2, baseline_instances=16)
    out = t.train(Budget(max_steps=4))
    assert out["step"] == 4 and out["eval_n8_gap"] > -1e-9
    assert any("reward" in r for r in run.read_metrics())
    if baseline == "rollout":
        assert (tmp_path / "run" / "baseline.safetensors").is_file()
    again = _trainer("reinforce", RunDir(tmp_path / "run", "cfg", resume=True), problem="tsp",
                     sizes=[6, 8], baseline=baseline, baseline_every=2, baseline_instances=16)
    assert again.step == 4 and again.opt.state  # the optimizer's moments came back


def test_export_and_init(tmp_path):
    exported = tmp_path / "exported.safetensors"
    _trainer("supervised", RunDir(tmp_path / "a", "cfg"), problem="delaunay", sizes=[5],
             train_instances=16, export=str(exported)).train(Budget(max_steps=2))
    assert load_network(exported)[1]["problem"] == "delaunay"
    t = _trainer("reinforce", RunDir(tmp_path / "b", "cfg"), problem="delaunay", sizes=[5],
                 init=str(exported))
    assert t.train(Budget(max_steps=2))["step"] == 2
    with pytest.raises(Exception, match="is for 'delaunay'"):
        _trainer("reinforce", RunDir(tmp_path / "c", "cfg"), problem="tsp", sizes=[5], init=str(exported))


@pytest.mark.parametrize("cfg,text", [
    ({"lerning_rate": 1.0}, "unknown parameter 'lerning_rate'"),
    ({"lr": -1.0}, "lr=-1.0 is not accepted"),
    ({"sizes": [3]}, "sizes contains 3; accepted: integers 5..1000"),
    ({"sizes": "20"}, "sizes='20' is not accepted"),
    ({"problem": "go"}, "problem='go' is not accepted"),
    ({"d": 10, "heads": 4}, "not a multiple of heads"),
    ({"arch": "gru"}, "accepted: one of lstm, attention"),
    ({"model": {"d": 3}}, "must be a single value"),
])
def test_config_keys_are_checked_like_a_spec(tmp_path, cfg, text):
    with pytest.raises(SpecError, match=None) as err:
        _trainer("supervised", RunDir(tmp_path / "run", "cfg"), **{"sizes": [6], **cfg})
    assert text in str(err.value) and "\n" not in str(err.value)


def test_pomo_needs_tsp(tmp_path):
    with pytest.raises(SpecError, match="baseline='pomo' needs problem='tsp'"):
        _trainer("reinforce", RunDir(tmp_path / "run", "cfg"), problem="convex_hull", sizes=[6],
                 baseline="pomo")


def _varena_train(*args):
    from click.testing import CliRunner

    from varena.engine.cli import full_cli

    return CliRunner().invoke(full_cli(), ["train", *args, "--quiet", "--device", "cpu"])


def test_varena_train_runs_and_resumes_a_ptrnet_config(tmp_path):
    cfg = tmp_path / "hull.toml"
    cfg.write_text('solver = "ptrnet"\ntrainer = "supervised"\nproblem = "convex_hull"\n'
                   "sizes = [6, 8]\nd = 16\nlayers = 1\nheads = 2\nff = 32\nbatch = 8\n"
                   "train_instances = 32\neval_instances = 4\neval_every = 2\nlog_every = 2\n"
                   "checkpoint_every = 2\nmax_steps = 3\n")
    out = tmp_path / "run"
    r = _varena_train(str(cfg), "--out", str(out))
    assert r.exit_code == 0, r.output
    run = RunDir(out, cfg.read_text(), resume=True)
    assert run.latest_checkpoint()[0] == 3  # the config's max_steps when no --max-steps
    r = _varena_train(str(cfg), "--out", str(out), "--resume", "--max-steps", "5")
    assert r.exit_code == 0, r.output
    assert run.latest_checkpoint()[0] == 5
    bad = tmp_path / "bad.toml"
    bad.write_text('solver = "ptrnet"\ntrainer = "supervised"\nsizes = [6]\nbatchsize = 8\n')
    r = _varena_train(str(bad), "--out", str(tmp_path / "bad"))
    assert r.exit_code == 2 and "unknown parameter 'batchsize'" in r.output
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize("spec", ["tsp:n=7", "convex_hull:n=12", "delaunay:n=8", "sorting:n=6"])
def test_forcing_states_give_the_masks_and_likelihoods_of_real_states(spec):
    # the supervised step skips the reference solve per instance; the masks it steps
    # along the labels, and so the loss, must be those of the games' own start states
    from varena.solvers.ptrnet.data import labelled
    from varena.solvers.ptrnet.decoding import teacher_forced
    from varena.solvers.ptrnet.trainers import _forcing_states

    from .helpers import game, net_for

    g = game(spec)
    items, labels = labelled(g, 12, seed=5)
    real = np.stack([g.state_of(x) for x in items])
    fast = _forcing_states(g, items)
    assert np.array_equal(np.stack([g.instance(s) for s in fast]), items)
    network = net_for(g, "attention")
    a, sa = teacher_forced(network, g, real, labels)
    b, sb = teacher_forced(network, g, fast, labels)
    assert np.array_equal(sa, sb) and np.allclose(a.detach().numpy(), b.detach().numpy())


def test_the_learning_rate_decays_linearly_after_its_start(tmp_path):
    t = _trainer("supervised", RunDir(tmp_path / "run", "cfg"), problem="tsp", sizes=[6],
                 train_instances=16, lr=1e-3, lr_decay_from=10, lr_decay_steps=20, lr_end=1e-4)
    assert [t.lr_at(s) for s in (1, 10)] == [1e-3, 1e-3]
    assert t.lr_at(20) == pytest.approx(5.5e-4) and t.lr_at(30) == pytest.approx(1e-4)
    assert t.lr_at(500) == pytest.approx(1e-4)
    t.train(Budget(max_steps=12))
    assert t.opt.param_groups[0]["lr"] == pytest.approx(t.lr_at(12))
    flat = _trainer("supervised", RunDir(tmp_path / "flat", "cfg"), problem="tsp", sizes=[6],
                    train_instances=16, lr=2e-3)
    assert flat.lr_at(10**6) == 2e-3  # no decay unless asked

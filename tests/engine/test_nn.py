"""varena.engine.nn: the batched evaluator (mixed games and sizes), checkpoints, devices."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from tests.solvers.toys import ToyBoard, ToyPoints
from varena.engine.errors import CheckpointError, SpecError
from varena.engine.nn.checkpoint import load_weights, read_metadata, save_checkpoint
from varena.engine.nn.device import autocast, configure_cpu_threads, resolve_device
from varena.engine.nn.evaluator import NetEvaluator
from varena.solvers.alphavit.checkpoints import load_network, new_network, save_network

ROOT = Path(__file__).resolve().parents[2]


def _random_states(game, n, seed, plies=4):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        s = game.initial_state(rng)
        for _ in range(int(rng.integers(0, plies + 1))):
            legal = np.flatnonzero(game.legal_mask(s))
            if legal.size == 0 or game.outcome(s)[0]:
                break
            s = game.next_state(s, int(rng.choice(legal)))
        out.append(s)
    return np.stack(out)


def _mixed_groups():
    games = [ToyBoard.from_params(width=w, height=h, moves=30, extra=e)
             for w, h, e in ((5, 5, False), (7, 7, True), (9, 6, False), (19, 19, False))]
    games.append(ToyPoints.from_params(n=12))
    return [(g, _random_states(g, 3, i)) for i, g in enumerate(games)]


@pytest.fixture(scope="module", params=["vit", "vid", "vda"])
def net(request):
    return new_network(request.param, "small", ["toyboard", "toypoints"], seed=3)


def test_alone_equals_inside_a_mixed_batch(net):
    groups = _mixed_groups()
    mixed = NetEvaluator(net, "cpu").evaluate(groups)
    padded = NetEvaluator(net, "cpu", pad_ratio=float("inf")).evaluate(groups)
    for (game, states), (p, v), (pp, vp) in zip(groups, mixed, padded, strict=True):
        p1, v1 = NetEvaluator(net, "cpu").evaluate([(game, states[1:2])])[0]
        np.testing.assert_allclose(p[1], p1[0], atol=1e-5)
        np.testing.assert_allclose(v[1], v1[0], atol=1e-5)
        np.testing.assert_allclose(p, pp, atol=1e-5)
        np.testing.assert_allclose(v, vp, atol=1e-5)


def test_priors_are_masked_and_normalised(net):
    groups = _mixed_groups()
    for (game, states), (p, v) in zip(groups, NetEvaluator(net, "cpu").evaluate(groups), strict=True):
        legal = game.legal_masks(states)
        assert p.shape == (len(states), game.num_actions) and p.dtype == np.float32
        assert v.shape == (len(states),) and v.dtype == np.float32
        assert (p[~legal] == 0).all()
        np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-5)
        assert (np.abs(v) <= 1).all()


def test_terminal_rows_get_zero_priors(net):
    game = ToyBoard.from_params(width=4, height=4, moves=1)
    states = np.stack([game.initial_state(), game.next_state(game.initial_state(), 0)])
    p, _ = NetEvaluator(net, "cpu").for_game(game)(states)
    assert np.isfinite(p).all() and p[1].sum() == 0 and p[0].sum() == pytest.approx(1, abs=1e-5)


def test_buckets_never_pad_small_boards_to_large(net):
    small, large = ToyBoard.from_params(width=5, height=5), ToyBoard.from_params(width=19, height=19)
    near = ToyBoard.from_params(width=5, height=6)
    ev = NetEvaluator(net, "cpu")
    ev.evaluate([(small, _random_states(small, 2, 0)), (large, _random_states(large, 2, 1)),
                 (near, _random_states(near, 2, 2))])
    assert ev.stats.forwards == 2  # 5x5 with 5x6, 19x19 alone
    ev = NetEvaluator(net, "cpu", pad_ratio=1.0)
    ev.evaluate([(small, _random_states(small, 2, 0)), (near, _random_states(near, 2, 2))])
    assert ev.stats.forwards == 2 and ev.stats.padded_rows == 0


def test_max_batch_splits_without_changing_results(net):
    game = ToyBoard.from_params(width=6, height=6, moves=30)
    states = _random_states(game, 7, 5)
    whole = NetEvaluator(net, "cpu").for_game(game)(states)
    ev = NetEvaluator(net, "cpu", max_batch=2)
    parts = ev.for_game(game)(states)
    assert ev.stats.forwards == 4
    for a, b in zip(whole, parts, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_given_legal_masks_are_used(net):
    game = ToyBoard.from_params(width=5, height=5)
    states = _random_states(game, 2, 0)
    legal = np.zeros((2, game.num_actions), bool)
    legal[:, 3] = True
    p, _ = NetEvaluator(net, "cpu").for_game(game)(states, legal)
    assert (p[:, 3] == pytest.approx(1.0)) and (np.delete(p, 3, axis=1) == 0).all()


def test_evaluator_rejects_bad_arguments(net):
    with pytest.raises(ValueError, match="pad_ratio"):
        NetEvaluator(net, "cpu", pad_ratio=0.5)
    game = ToyBoard.from_params()
    with pytest.raises(ValueError, match="states must be"):
        NetEvaluator(net, "cpu").evaluate([(game, np.zeros(game.state_len))])
    out = NetEvaluator(net, "cpu").evaluate([(game, np.zeros((0, game.state_len), np.int16))])
    assert out[0][0].shape == (0, game.num_actions)


# -- checkpoints ----------------------------------------------------------------------------------
def test_checkpoint_round_trip(tmp_path, net):
    path = save_network(tmp_path / "a" / "net.safetensors", net, step=7, trained_on=["toyboard:width=9"])
    assert not [p for p in path.parent.iterdir() if p.name != path.name]  # no temp file left
    loaded, meta = load_network(path)
    assert meta["step"] == 7 and meta["trained_on"] == ["toyboard:width=9"]
    assert meta["config"]["arch"] == net.cfg.arch and meta["preset"] == "small"
    assert "varena_version" in meta
    groups = _mixed_groups()
    for (p, v), (p2, v2) in zip(NetEvaluator(net, "cpu").evaluate(groups),
                                NetEvaluator(loaded, "cpu").evaluate(groups), strict=True):
        np.testing.assert_array_equal(p, p2)
        np.testing.assert_array_equal(v, v2)


def test_truncated_checkpoint_is_a_clear_error(tmp_path, net):
    path = save_network(tmp_path / "net.safetensors", net)
    data = path.read_bytes()
    for cut in (len(data) // 2, 20, 3):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="truncated or corrupt"):
            load_network(path)


def test_missing_file_and_missing_metadata(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_network(tmp_path / "nope.safetensors")
    bare = tmp_path / "bare.safetensors"
    save_file({"w": torch.zeros(2)}, str(bare))
    with pytest.raises(CheckpointError, match="no varena metadata"):
        read_metadata(bare)
    odd = tmp_path / "odd.safetensors"
    save_file({"w": torch.zeros(2)}, str(odd), metadata={"varena": "{not json"})
    with pytest.raises(CheckpointError, match="not valid JSON"):
        read_metadata(odd)


def test_wrong_arch_and_wrong_kind(tmp_path, net):
    path = save_network(tmp_path / "net.safetensors", net)
    other = {"vit": "vid", "vid": "vda", "vda": "vit"}[net.cfg.arch]
    with pytest.raises(CheckpointError, match=f"holds arch={net.cfg.arch}, but arch={other}"):
        load_network(path, arch=other)
    module = torch.nn.Linear(2, 2)
    save_checkpoint(tmp_path / "lin.safetensors", module, {"kind": "linear"})
    with pytest.raises(CheckpointError, match="kind 'linear'"):
        load_network(tmp_path / "lin.safetensors")


def test_wrong_shapes_name_the_mismatch(tmp_path, net):
    path = save_network(tmp_path / "net.safetensors", net)
    bigger = new_network(net.cfg.arch, "small", net.cfg.games, d_model=32, heads=4)
    with pytest.raises(CheckpointError, match=r"shape mismatch: .* is \(\d+,\), the network has"):
        load_weights(path, bigger)
    fewer = new_network(net.cfg.arch, "small", net.cfg.games, enc_layers=net.cfg.enc_layers + 1)
    with pytest.raises(CheckpointError, match=r"missing weights: encoder\.\d+\."):
        load_weights(path, fewer)
    # metadata that lies about the shapes: the weights do not fit the config it describes
    meta = read_metadata(path)
    meta["config"]["ff"] = 2 * meta["config"]["ff"]
    tensors = {k: v.contiguous() for k, v in net.state_dict().items()}
    save_file(tensors, str(tmp_path / "lie.safetensors"), metadata={"varena": json.dumps(meta)})
    with pytest.raises(CheckpointError, match="weights do not fit the network; shape mismatch"):
        load_network(tmp_path / "lie.safetensors")
    meta["config"]["arch"] = "resnet"
    save_file(tensors, str(tmp_path / "bad.safetensors"), metadata={"varena": json.dumps(meta)})
    with pytest.raises(CheckpointError, match="unknown architecture 'resnet'"):
        load_network(tmp_path / "bad.safetensors")


@pytest.mark.parametrize("change, message", [
    ({"heads": 0}, "heads=0 is not accepted; accepted: 1..256"),      # was ZeroDivisionError
    ({"ff": -1}, "ff=-1 is not accepted"),                            # was a torch RuntimeError
    ({"dropout": 5.0}, "dropout=5.0 is not accepted"),
    ({"d_model": 2**40, "heads": 1}, "d_model=1099511627776 is not accepted"),
    # in range but far larger than the weights: refused from the header, before allocating
    ({"d_model": 8192, "heads": 1, "ff": 65536, "enc_layers": 256}, "weights do not fit"),
])
def test_corrupt_config_is_one_line_before_any_allocation(tmp_path, net, change, message):
    path = save_network(tmp_path / "net.safetensors", net)
    meta = read_metadata(path)
    meta["config"].update(change)
    tensors = {k: v.contiguous() for k, v in net.state_dict().items()}
    save_file(tensors, str(tmp_path / "odd.safetensors"), metadata={"varena": json.dumps(meta)})
    with pytest.raises(CheckpointError, match=message):
        load_network(tmp_path / "odd.safetensors")


def test_unserialisable_metadata_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="not JSON"):
        save_checkpoint(tmp_path / "x.safetensors", torch.nn.Linear(1, 1), {"bad": object()})
    assert not list(tmp_path.iterdir())


# -- devices and imports ------------------------------------------------------------------------
def test_devices(monkeypatch):
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(SpecError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(SpecError, match="no CUDA device"):
            resolve_device("cuda")
    before = torch.get_num_threads()
    try:
        assert configure_cpu_threads(1) == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv("VARENA_TORCH_THREADS", "x")
        with pytest.raises(SpecError, match="VARENA_TORCH_THREADS"):
            import varena.engine.nn.device as dev
            monkeypatch.setattr(dev, "_THREADS_SET", False)
            configure_cpu_threads()
    finally:
        torch.set_num_threads(before)
    with autocast(torch.device("cpu")):
        assert not torch.is_autocast_enabled()


def test_cli_and_plugins_do_not_import_torch():
    code = ("import sys, varena.engine.cli, varena.games.plugin, varena.solvers.plugin, varena.solvers.alphavit.agent, "
            "varena.engine.nn; assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_thread_count_survives_numba_starting_its_threads():
    import numba

    before = torch.get_num_threads()
    try:
        n = configure_cpu_threads(1)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)  # may reset OpenMP's count
        from varena.engine.nn.device import keep_cpu_threads

        assert keep_cpu_threads() == n == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)

"""AlphaViT / AlphaViD / AlphaVDA: shapes on every registered game and size, masking, the
three heads, relative position bias, and the ``alphavit`` agent playing whole games."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.solvers.toys import ToyBoard, ToyPoints
from varena.engine.api import Game
from varena.engine.errors import CheckpointError, SpecError
from varena.engine.host import get_host
from varena.engine.nn.evaluator import NetEvaluator
from varena.engine.play import play_game
from varena.solvers.alphavit.agent import AlphaViTSolver
from varena.solvers.alphavit.checkpoints import new_network, save_network
from varena.solvers.alphavit.layout import LayoutError
from varena.solvers.alphavit.network import interpolation_matrix
from varena.solvers.alphavit.presets import PRESETS, NetConfig, make_config

ARCHS = ("vit", "vid", "vda")


def _registered_games() -> list[Game]:
    """Every registered game with tokens and a size parameter (``size`` for boards, ``n`` for
    point sets), at sizes 5..19."""
    host = get_host()
    games = []
    for name, reg in sorted(host.games.items()):
        cls = reg.cls
        size = next((p for p in cls.params if p.name in ("size", "n")), None)
        if cls.tokens is Game.tokens or size is None:
            continue
        for n in range(5, 20):
            if (size.low is not None and n < size.low) or (size.high is not None and n > size.high):
                continue
            try:
                games.append(host.make_game(f"{name}:{size.name}={n}"))
            except SpecError:  # a size the range allows but the game refuses (odd Othello)
                continue
    return games


def _states(game: Game, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        s = game.initial_state(rng)
        for _ in range(i * 2):
            legal = np.flatnonzero(game.legal_mask(s))
            if legal.size == 0:
                break
            s = game.next_state(s, int(rng.choice(legal)))
        out.append(s)
    return np.stack(out)


@pytest.mark.parametrize("arch", ARCHS)
def test_shapes_on_every_registered_game_and_size(arch):
    games = _registered_games()
    assert games, "no registered game has tokens and a size parameter"
    net = new_network(arch, "small", sorted({g.name for g in games}), seed=0)
    groups = [(g, _states(g, 2, i)) for i, g in enumerate(games)]
    out = NetEvaluator(net, "cpu").evaluate(groups)
    for (g, s), (p, v) in zip(groups, out, strict=True):
        assert p.shape == (2, g.num_actions), g.spec
        assert v.shape == (2,)
        legal = g.legal_masks(s)
        assert (p[~legal] == 0).all(), g.spec
        np.testing.assert_allclose(p.sum(1), legal.any(1).astype(np.float32), atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("positions", ["grid", "relative"])
def test_mixed_forward_equals_separate_forwards(arch, positions):
    """Pad-and-mask in one forward gives what each layout gives alone (eval mode)."""
    net = new_network(arch, "small", ["toyboard", "toypoints"], seed=1, positions=positions).eval()
    games = [ToyBoard.from_params(width=5, height=4, moves=20, extra=True),
             ToyBoard.from_params(width=8, height=8, moves=20),
             ToyPoints.from_params(n=9)]
    enc = [net.encode(g, g.tokens(s), g.legal_masks(s), torch.device("cpu"))
           for g in games for s in [_states(g, 3, 0)]]
    with torch.inference_mode():
        logits, values = net(enc)
        start = 0
        for e in enc:
            lo, va = net([e])
            a = e.layout.num_actions
            np.testing.assert_allclose(logits[start : start + e.size, :a], lo, atol=1e-5)
            np.testing.assert_allclose(values[start : start + e.size], va, atol=1e-5)
            assert torch.isinf(logits[start : start + e.size, a:]).all()
            start += e.size


def test_pass_and_off_board_tokens():
    game = ToyBoard.from_params(width=6, height=3, extra=True)
    net = new_network("vit", "small", ["toyboard"], seed=0)
    lay = net.layout(game, game.tokens(game.initial_states(1)))
    assert (lay.num_tokens, lay.num_special, lay.num_actions) == (19, 1, 19)
    assert (lay.height, lay.width) == (3, 6) and lay.other_idx.tolist() == [18]
    assert lay.action_seq[-1] == 19 and lay.seq_len == 22
    p, _ = NetEvaluator(net, "cpu").for_game(game)(game.initial_states(2))
    assert p[:, -1].min() > 0  # pass is legal and gets a probability of its own


def test_policy_depends_on_the_position():
    game = ToyBoard.from_params(width=7, height=7, moves=20)
    net = new_network("vit", "small", ["toyboard"], seed=0)
    s = _states(game, 4, 3)
    p, v = NetEvaluator(net, "cpu").for_game(game)(s)
    assert not np.allclose(p[0], p[3]) and not np.isclose(v[0], v[3])


def test_presets_and_sizes():
    paper = make_config("vit", "paper", ["go"])
    assert (paper.d_model, paper.heads, paper.ff, paper.enc_layers, paper.dropout) == (512, 8, 1024, 4, 0.1)
    for arch in ("vid", "vda"):
        c = make_config(arch, "paper", ["go"])
        assert (c.enc_layers, c.dec_layers) == (1, 1)
    assert set(PRESETS) == {"paper", "small"}
    assert NetConfig.from_dict(paper.to_dict()) == paper
    with pytest.raises(CheckpointError, match="unknown keys: colour"):
        NetConfig.from_dict({**paper.to_dict(), "colour": 1})
    with pytest.raises(CheckpointError, match="unknown preset 'huge'"):
        make_config("vit", "huge", ["go"])
    small = new_network("vit", "small", ["go"]).num_parameters()
    assert small < 300_000


def test_layout_errors_are_clear():
    net = new_network("vit", "small", ["toyboard"], seed=0, max_features=2)
    game = ToyBoard.from_params()
    with pytest.raises(LayoutError, match="3 token features; this network accepts at most 2"):
        net.layout(game, game.tokens(game.initial_states(1)))
    with pytest.raises(LayoutError, match="no embedding for game 'toypoints'; it knows: toyboard"):
        net.game_id("toypoints")


def test_interpolation_matches_torch():
    for n_in, n_out in ((81, 82), (256, 49), (5, 5), (3, 10)):
        x = torch.randn(1, 4, n_in)
        want = torch.nn.functional.interpolate(x, size=n_out, mode="linear", align_corners=False)
        got = torch.einsum("oi,bci->bco", interpolation_matrix(n_in, n_out), x)
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


# -- the agent ------------------------------------------------------------------------------------
def _game(spec: str) -> Game:
    host = get_host()
    name = spec.split(":")[0]
    if name not in host.games:
        pytest.skip(f"game {name!r} is not registered yet")
    return host.make_game(spec)


@pytest.mark.parametrize("spec,agent", [
    ("gomoku:size=9", "alphavit:sims=8"),
    ("go:size=7", "alphavit:sims=8,arch=vid,root=gumbel,gumbel_m=4"),
])
def test_agent_plays_a_full_game(spec, agent):
    game = _game(spec)
    host = get_host()
    players = [host.make_agent(agent, game, seed=1), host.make_agent("random", game, seed=2)]
    record, _ = play_game(game, players, seed=0, max_moves=400)
    assert record.reason == "end", record.reason
    assert len(record.moves) > 4


def test_agent_without_search_and_from_checkpoint(tmp_path):
    game = _game("gomoku:size=7")
    host = get_host()
    a = host.make_agent("alphavit:sims=0,arch=vda", game, seed=4)
    b = host.make_agent("alphavit:sims=0,arch=vda", game, seed=4)
    s = game.initial_states(1)
    assert a.select_actions(s)[0] == b.select_actions(s)[0]  # same seed, same weights
    path = save_network(tmp_path / "net.safetensors", a.net, step=3, trained_on=[game.spec])
    c = host.make_agent(f"alphavit:sims=0,checkpoint={path}", game, seed=9)
    assert c.net.cfg.arch == "vda" and c.meta["step"] == 3
    np.testing.assert_array_equal(a.evaluate(s)[0], c.evaluate(s)[0])
    with pytest.raises(CheckpointError, match="holds arch=vda, but arch=vit"):
        host.make_agent(f"alphavit:arch=vit,checkpoint={path}", game)
    with pytest.raises(SpecError, match="is preset 'small', not 'paper'"):
        host.make_agent(f"alphavit:preset=paper,checkpoint={path}", game)
    with pytest.raises(CheckpointError, match="does not exist"):
        host.make_agent(f"alphavit:checkpoint={tmp_path / 'none.safetensors'}", game)


def test_agent_on_a_game_its_checkpoint_does_not_know(tmp_path):
    net = new_network("vit", "small", ["toyboard"], seed=0)
    path = save_network(tmp_path / "net.safetensors", net)
    game = ToyPoints.from_params(n=5)
    with pytest.raises(LayoutError, match="no embedding for game 'toypoints'"):
        AlphaViTSolver(game, seed=0, **_config(checkpoint=str(path), sims=0))


def test_agent_on_a_point_set_game_without_search():
    game = ToyPoints.from_params(n=6)
    agent = AlphaViTSolver(game, seed=0, **_config(sims=0))
    record, _ = play_game(game, [agent], seed=0)
    assert sorted(record.moves) == list(range(6))
    # a plain-Python game (no kernels) is searched too, by the interpreted search
    searched = AlphaViTSolver(game, seed=0, **_config(sims=8))
    record, _ = play_game(game, [searched], seed=0)
    assert sorted(record.moves) == list(range(6))
    assert searched.last_result.simulations.min() > 0


def test_supports_and_spec_errors():
    assert AlphaViTSolver.supports(ToyBoard.from_params())

    class NoTokens(ToyPoints):
        name = "notokens"
        tokens = Game.tokens

    assert not AlphaViTSolver.supports(NoTokens.from_params())
    game = _game("gomoku:size=5")
    with pytest.raises(SpecError, match="arch='xyz' is not accepted"):
        get_host().make_agent("alphavit:arch=xyz", game)
    with pytest.raises(SpecError, match="root=dirichlet needs rule=puct"):
        get_host().make_agent("alphavit:rule=uct,root=dirichlet", game)


def _config(**given):
    from varena.engine.params import bind

    return bind(AlphaViTSolver.params, given, "solver 'alphavit'")


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("positions", ["grid", "relative"])
def test_training_forward_after_inference(arch, positions):
    """The evaluator's inference-mode calls must not poison the training path (cached
    per-layout constants), and a padded mixed batch back-propagates without NaN."""
    net = new_network(arch, "small", ["toyboard", "toypoints"], seed=2, positions=positions)
    games = [ToyBoard.from_params(width=5, height=5, moves=20),
             ToyBoard.from_params(width=6, height=7, moves=20, extra=True),
             ToyPoints.from_params(n=7)]
    data = [(g, _states(g, 3, 1)) for g in games]
    NetEvaluator(net, "cpu").evaluate(data)
    net.train()
    enc = [net.encode(g, g.tokens(s), g.legal_masks(s), torch.device("cpu")) for g, s in data]
    logits, values = net(enc)
    legal = torch.isfinite(logits)
    target = legal.float() / legal.float().sum(1, keepdim=True).clamp(min=1)
    logp = torch.log_softmax(logits, -1).masked_fill(~legal, 0.0)
    loss = -(target * logp).sum(1).mean() + (values - 0.5).pow(2).mean()
    loss.backward()
    grads = [p.grad for p in net.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert net.stem.weight.grad.abs().sum() > 0 and net.point_embed.weight.grad.abs().sum() > 0

"""The installed plugin through varena's front doors: ``varena plugins``, ``varena play``,
the tournament, the gymnasium and PettingZoo environments, every solver that supports it,
the AlphaViT networks on their non-cell (column) action space, and the mirror symmetry."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from varena.engine.host import get_host
from varena.engine.play import play_game


def _varena(*args, timeout=600):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VARENA_")}
    code = "import sys; from varena.engine.cli import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_varena_plugins_lists_the_distribution():
    out = _varena("plugins", "--json")
    assert out.returncode == 0, out.stderr
    listing = json.loads(out.stdout)
    game = next(g for g in listing["games"] if g["name"] == "connect4")
    assert game["distribution"] == "varena-connect4"
    players = {s["name"] for s in listing["solvers"] if "connect4" in s["games"]}
    assert {"random", "mcts", "alphabeta", "alphavit"} <= players


def test_varena_play_mcts_against_alphabeta():
    out = _varena("play", "connect4", "--p1", "mcts:sims=100", "--p2", "alphabeta:depth=3",
                  "--seed", "1", "--quiet")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("connect4: ") and ("in a row)" in out.stdout or "draw" in out.stdout)


def test_varena_play_rejects_a_bad_spec_in_one_line():
    out = _varena("play", "connect4:width=16", "--p1", "random", "--p2", "random")
    assert out.returncode == 2 and "width='16'" in out.stderr and "integer 4..15" in out.stderr
    out = _varena("play", "connect4:k=9", "--p1", "random", "--p2", "random")
    assert out.returncode == 2 and "k=9 does not fit a 7x6 board" in out.stderr
    assert "Traceback" not in out.stderr


def test_tournament_plays_it(tmp_path):
    out = _varena("tournament", "--game", "connect4:width=5,height=4", "--game",
                  "connect4:width=11,height=4", "--agent", "r=random", "--agent",
                  "ab=alphabeta:depth=2", "--games", "2", "--concurrency", "1",
                  "--out", str(tmp_path / "t"), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["games_played"] == 4
    for spec in ("connect4:width=5,height=4", "connect4:width=11,height=4"):
        ratings = {r["name"]: r for r in report["games"][spec]["ratings"]}
        assert ratings["ab"]["games"] == ratings["r"]["games"] == 2
        # each game's record is its column sequence, which replays to a finished game
        game = get_host().make_game(spec)
        key = spec.replace(":", "_").replace(",", "_")
        records = sorted((tmp_path / "t" / "games").glob(f"*-{key}_*.txt"))
        assert len(records) == 2
        for path in records:
            assert game.outcome(game.play_columns(path.read_text()))[0], path.read_text()


def test_records_round_trip():
    host = get_host()
    for spec in ("connect4:width=4,height=4", "connect4:width=12,height=4"):
        game = host.make_game(spec)
        for seed in range(10):
            agents = [host.make_agent("random", game, seed=seed),
                      host.make_agent("random", game, seed=seed + 50)]
            record, final = play_game(game, agents, seed=seed)
            assert np.array_equal(game.play_columns(game.record_text(record)), final)
            assert game.metrics(final) == {"discs": float(len(record.moves))}


def test_every_supporting_solver_plays_a_game():
    host = get_host()
    game = host.make_game("connect4")
    specs = ["random", "mcts:sims=32", "alphabeta:depth=2", "alphavit:arch=vit,sims=8",
             "alphavit:arch=vid,sims=16", "alphavit:arch=vda,sims=0"]
    for i, spec in enumerate(specs):
        agents = [host.make_agent(spec, game, seed=i), host.make_agent("random", game, seed=99)]
        record, final = play_game(game, agents, seed=i)
        assert game.outcome(final)[0] and record.reason == "end", spec


def test_alphabeta_and_mcts_beat_random():
    host = get_host()
    game = host.make_game("connect4")
    for spec in ("alphabeta:depth=3", "mcts:sims=200"):
        score = 0.0
        for seed in range(4):
            agents = [host.make_agent(spec, game, seed=seed), host.make_agent("random", game, seed=seed)]
            if seed % 2:
                agents.reverse()
            _, final = play_game(game, agents, seed=seed)
            score += game.returns(final)[seed % 2]
        assert score >= 2, (spec, score)  # of 4 games, each +1 win / -1 loss


def test_alphavit_networks_use_the_column_action_space():
    """No action has a token: ViD/VDA resize their queries to the W columns, ViT reads W
    learned special tokens. Each gives a distribution over exactly the open columns."""
    pytest.importorskip("torch")
    host = get_host()
    for spec in ("connect4", "connect4:width=5,height=4", "connect4:width=15,height=4,k=5"):
        game = host.make_game(spec)
        s = game.play_columns(" ".join(["1"] * game.height))  # column 1 full
        for arch in ("vit", "vid", "vda"):
            agent = host.make_agent(f"alphavit:arch={arch},sims=0", game, seed=0)
            priors, values = agent.evaluate(s[None])
            assert priors.shape == (1, game.width) and values.shape == (1,)
            assert priors[0, 0] == 0 and np.isclose(priors[0, 1:].sum(), 1.0, atol=1e-5)


def test_tokens_follow_the_mirror():
    game = get_host().make_game("connect4")
    s = game.play_columns("1123334")
    base = game.tokens(s[None]).features[0].reshape(6, 7, -1)
    moved = game.tokens(game.transform_states(s[None], 1)).features[0].reshape(6, 7, -1)
    assert np.array_equal(moved, base[:, ::-1])
    assert game.action_permutation(1).tolist() == [6, 5, 4, 3, 2, 1, 0]
    mirrored = game.play_columns("7765554")
    assert np.array_equal(game.transform_states(s[None], 1)[0], mirrored)
    # the landing cells (feature 3) are exactly where each open column's disc would go
    land = np.argwhere(base[..., 3] == 1)
    assert sorted(land[:, 1].tolist()) == list(range(7))
    for r, c in land:
        assert game.board(game.play(s, int(c)))[r, c] != 0


def test_gymnasium_env():
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    import varena.engine.envs  # noqa: F401 - registers varena/Game-v0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        env = gymnasium.make("varena/Game-v0", game="connect4", opponent="mcts:sims=16", player=1)
        check_env(env.unwrapped)
        obs, info = env.reset(seed=3)
        assert obs.shape == (42, 4) and info["action_mask"].shape == (7,)
        done, reward = False, 0.0
        while not done:
            action = int(np.flatnonzero(info["action_mask"])[-1])
            obs, reward, term, trunc, info = env.step(action)
            done = term or trunc
        assert reward in (-1.0, 0.0, 1.0)


@pytest.mark.filterwarnings("ignore::UserWarning")  # api_test's notes on Dict observations
def test_pettingzoo_env():
    pytest.importorskip("pettingzoo", reason="pettingzoo is optional")
    from pettingzoo.test import api_test

    from varena.engine.envs import VarenaAECEnv

    api_test(VarenaAECEnv("connect4:width=5,height=4"), num_cycles=200)

"""The installed plugin through varena's front doors: ``varena plugins``, ``varena play``,
the tournament, the gymnasium and PettingZoo environments, every solver that supports it,
the AlphaViT networks, and the symmetries a trainer augments with."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from varena.engine.errors import IllegalMoveError
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
    game = next(g for g in listing["games"] if g["name"] == "othello")
    assert game["distribution"] == "varena-othello"
    players = {s["name"] for s in listing["solvers"] if "othello" in s["games"]}
    assert {"random", "mcts", "alphabeta", "alphavit"} <= players


def test_varena_play_mcts_against_alphabeta():
    out = _varena("play", "othello", "--p1", "mcts:sims=100", "--p2", "alphabeta:depth=3",
                  "--seed", "1", "--quiet")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("othello: ") and ("wins (" in out.stdout or "draw (" in out.stdout)


def test_varena_play_rejects_a_bad_size_in_one_line():
    out = _varena("play", "othello:size=7", "--p1", "random", "--p2", "random")
    assert out.returncode == 2 and "size=7" in out.stderr and "even integer 4..16" in out.stderr
    assert "Traceback" not in out.stderr


def test_tournament_plays_it(tmp_path):
    out = _varena("tournament", "--game", "othello:size=6", "--agent", "r=random",
                  "--agent", "ab=alphabeta:depth=2", "--games", "2", "--concurrency", "1",
                  "--out", str(tmp_path / "t"), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["games_played"] == 2
    ratings = {r["name"]: r for r in report["games"]["othello:size=6"]["ratings"]}
    assert ratings["ab"]["games"] == ratings["r"]["games"] == 2
    # each game's record is a transcript that replays to a finished game
    records = sorted((tmp_path / "t" / "games").glob("*.txt"))
    assert len(records) == 2
    game = get_host().make_game("othello:size=6")
    for path in records:
        final = game.play_transcript(path.read_text())
        assert game.outcome(final)[0], path.read_text()


def test_transcripts_round_trip():
    host = get_host()
    game = host.make_game("othello:size=4")
    passes = 0
    for seed in range(20):
        agents = [host.make_agent("random", game, seed=seed), host.make_agent("random", game, seed=seed + 50)]
        record, final = play_game(game, agents, seed=seed)
        text = game.record_text(record)
        assert "pass" not in text
        passes += game.pass_action in record.moves
        assert np.array_equal(game.play_transcript(text), final)
        assert game.metrics(final) == dict(zip(("black_discs", "white_discs"),
                                                map(float, game.discs(final)), strict=True))
    assert passes  # forced passes were left out and found again
    with pytest.raises(IllegalMoveError, match="not an Othello transcript"):
        game.play_transcript("b1 zz")


def test_every_supporting_solver_plays_a_game():
    host = get_host()
    game = host.make_game("othello:size=6")
    specs = ["random", "mcts:sims=32", "alphabeta:depth=2", "alphavit:arch=vit,sims=8",
             "alphavit:arch=vid,sims=16", "alphavit:arch=vda,sims=0"]
    for i, spec in enumerate(specs):
        agents = [host.make_agent(spec, game, seed=i), host.make_agent("random", game, seed=99)]
        record, final = play_game(game, agents, seed=i)
        assert game.outcome(final)[0] and record.reason == "end", spec


def test_alphabeta_and_mcts_beat_random():
    host = get_host()
    game = host.make_game("othello:size=6")
    for spec in ("alphabeta:depth=3", "mcts:sims=200"):
        score = 0.0
        for seed in range(4):
            agents = [host.make_agent(spec, game, seed=seed), host.make_agent("random", game, seed=seed)]
            if seed % 2:
                agents.reverse()
            _, final = play_game(game, agents, seed=seed)
            score += game.returns(final)[seed % 2]
        assert score >= 2, (spec, score)  # of 4 games, each +1 win / -1 loss


def test_alphavit_networks_use_cells_plus_pass():
    """ViT reads one logit per cell token plus a learned pass token; ViD/VDA resize their
    queries to the 8*8+1 actions. All three give a distribution over exactly the legal ones."""
    pytest.importorskip("torch")
    host = get_host()
    game = host.make_game("othello")
    s = game.initial_state()
    s = game.play(s, game.parse_action("d3"))
    for arch in ("vit", "vid", "vda"):
        agent = host.make_agent(f"alphavit:arch={arch},sims=0", game, seed=0)
        priors, values = agent.evaluate(s[None])
        assert priors.shape == (1, 65) and values.shape == (1,)
        legal = game.legal_mask(s)
        assert np.isclose(priors[0, legal].sum(), 1.0, atol=1e-5) and (priors[0, ~legal] == 0).all()


def test_tokens_follow_the_symmetries():
    game = get_host().make_game("othello:size=6")
    rng = np.random.default_rng(0)
    s = game.initial_state()
    for _ in range(9):
        legal = np.flatnonzero(game.legal_mask(s))
        s = game.play(s, int(legal[rng.integers(legal.size)]))
    base = game.tokens(s[None])
    for k in range(game.num_symmetries):
        perm = game.action_permutation(k)
        moved = game.tokens(game.transform_states(s[None], k))
        # token of cell a moves to the token of cell perm[a]
        assert np.array_equal(moved.features[0, perm[:36]], base.features[0])
        assert np.array_equal(moved.globals, base.globals)
        assert (game.legal_mask(game.transform_states(s[None], k)[0])[perm]
                == game.legal_mask(s)).all()


def test_gymnasium_env():
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    import varena.engine.envs  # noqa: F401 - registers varena/Game-v0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        env = gymnasium.make("varena/Game-v0", game="othello:size=6", opponent="alphabeta:depth=1")
        check_env(env.unwrapped)
        obs, info = env.reset(seed=3)
        assert obs.shape == (36, 4)
        done, reward = False, 0.0
        while not done:
            action = int(np.flatnonzero(info["action_mask"])[0])
            obs, reward, term, trunc, info = env.step(action)
            done = term or trunc
        assert reward in (-1.0, 0.0, 1.0)


@pytest.mark.filterwarnings("ignore::UserWarning")  # api_test's notes on Dict observations
def test_pettingzoo_env():
    pytest.importorskip("pettingzoo", reason="pettingzoo is optional")
    from pettingzoo.test import api_test

    from varena.engine.envs import VarenaAECEnv

    api_test(VarenaAECEnv("othello:size=4"), num_cycles=200)

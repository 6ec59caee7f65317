"""The schedule is lazy: 10**9 games per pairing (or leaderboard instances) start at once,
in the same order, with the same openings and keys as a small schedule's first games, and a
resume skips the committed keys without building the games before them (issue 16)."""

from __future__ import annotations

import time
import tracemalloc
from itertools import islice

import pytest

import varena.tournaments.schedule as schedule_module
from varena.engine.errors import SpecError
from varena.tournaments.config import Config
from varena.tournaments.runner import run, schedule

GAME = "gomoku:size=5,k=4"
AGENTS = {"a": "random", "b": "random", "c": "random"}


def _config(**kw) -> Config:
    base = dict(games=[GAME], agents=AGENTS, games_per_pairing=4, concurrency=1, seed=7)
    return Config(**{**base, **kw}).validate()


def test_a_billion_games_per_pairing_start_at_once():
    small = list(islice(schedule(_config(games_per_pairing=4)), 4))  # imports, kernels loaded
    tracemalloc.start()
    start = time.monotonic()
    plan = schedule(_config(games_per_pairing=10**9))
    first = list(islice(plan, 4))
    seconds = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(plan) == 3 * 10**9
    assert seconds < 2 and peak < 4 * 2**20, (seconds, peak)
    # the first games are those of a small schedule: same keys, colours, openings, seeds
    assert first == small


def test_a_billion_leaderboard_instances_start_at_once():
    plan = schedule(_config(games=["sorting:n=4"], format="leaderboard", instances=10**9))
    assert len(plan) == 3 * 10**9
    assert [t.key for t in islice(plan, 2)] == ["sorting:n=4|a|0", "sorting:n=4|a|1"]
    assert plan.index_of("sorting:n=4|b|5") == 10**9 + 5


@pytest.mark.parametrize("kw", [dict(), dict(games_per_pairing=3), dict(format="gauntlet"),
                                dict(games=["sorting:n=4"], format="leaderboard", instances=3),
                                dict(games=[GAME, "gomoku:size=6,k=4"], games_per_pairing=2)])
def test_index_of_is_the_place_in_the_order(kw):
    plan = schedule(_config(**kw))
    tasks = list(plan)
    assert len(tasks) == len(plan) and len({t.key for t in tasks}) == len(tasks)
    assert [plan.index_of(t.key) for t in tasks] == list(range(len(tasks)))
    for key in ("", "x", f"{GAME}|a|b|99", f"{GAME}|a|b|-1", f"{GAME}|a|b|01", f"{GAME}|b|a|0",
                f"{GAME}|a|zz|0", "other|a|b|0", f"{GAME}|a|b|١", f"{GAME}|a|0|b|0"):
        assert plan.index_of(key) is None, key


def test_openings_past_the_cache_are_the_same(monkeypatch):
    whole = list(schedule(_config(games_per_pairing=12)))
    monkeypatch.setattr(schedule_module, "OPENINGS_CACHED", 2)
    assert list(schedule(_config(games_per_pairing=12))) == whole
    assert len({t.opening for t in whole}) > 2  # rounds really differ


def test_a_billion_game_tournament_runs_and_resumes_in_order(tmp_path):
    config = _config(games_per_pairing=10**9)
    seen: list[str] = []

    def stop_after(n):
        def on_result(row, done, total):
            seen.append(row.key)
            assert total == 3 * 10**9
            if done == n:
                raise KeyboardInterrupt
        return on_result

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run(config, tmp_path, on_result=stop_after(2))
    with pytest.raises(KeyboardInterrupt):
        run(config, tmp_path, resume=True, on_result=stop_after(4))
    assert time.monotonic() - start < 60
    assert seen == [f"{GAME}|a|b|{k}" for k in range(4)]
    records = sorted(p.name for p in (tmp_path / "games").iterdir())
    assert records[0].startswith("00000-") and records[-1].startswith("00003-")


def test_the_sanity_bounds_stay():
    with pytest.raises(SpecError, match="games_per_pairing=1000000001 is not accepted"):
        _config(games_per_pairing=10**9 + 1)
    many = {f"a{i}": "random" for i in range(100)}
    with pytest.raises(SpecError, match="4950000000000 games scheduled"):
        _config(agents=many, games_per_pairing=10**9)

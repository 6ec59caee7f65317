"""The replay buffer on disk: atomic shards, the window, committed counts, symmetries."""

from __future__ import annotations

import errno

import numpy as np
import pytest

import varena.engine.train.buffer as buffer_mod
from varena.engine.host import get_host
from varena.engine.train.buffer import BufferError, ReplayBuffer, normalise_objective


@pytest.fixture
def game():
    return get_host().make_game("gomoku:size=5,k=4")


def _positions(game, n, rng):
    """n positions after one random move each; policy: one-hot on the move just played."""
    states, policy = [], np.zeros((n, game.num_actions), np.float32)
    for i in range(n):
        a = int(rng.integers(game.num_actions))
        states.append(game.next_state(game.initial_state(), a))
        policy[i, a] = 1.0
    return np.stack(states), policy, rng.uniform(-1, 1, n).astype(np.float32)


def test_commit_reload_and_window(tmp_path, game):
    rng = np.random.default_rng(0)
    buf = ReplayBuffer(tmp_path, [game], window=50)
    for _ in range(5):
        s, p, v = _positions(game, 20, rng)
        buf.commit(0, s, p, v, games=2)
    assert buf.committed == 100 and buf.games == 10
    assert buf.held() == [50]
    shards = sorted((tmp_path).rglob("shard-*.safetensors"))
    assert len(shards) == 3  # 60 positions cover the window of 50; older shards deleted
    again = ReplayBuffer(tmp_path, [game], window=50)
    assert again.committed == 100 and again.games == 10 and again.held() == [50]
    s, p, v = _positions(game, 5, rng)
    again.commit(0, s, p, v, games=1)
    assert ReplayBuffer(tmp_path, [game], window=50).committed == 105


def test_leftover_temp_file_is_not_a_shard(tmp_path, game):
    rng = np.random.default_rng(1)
    buf = ReplayBuffer(tmp_path, [game], window=100)
    buf.commit(0, *_positions(game, 10, rng), games=1)
    folder = next(tmp_path.iterdir())
    tmp = folder / ".shard-00000001.safetensors.abc.tmp"
    tmp.write_bytes(b"half a shard")
    again = ReplayBuffer(tmp_path, [game], window=100)
    assert again.committed == 10 and not tmp.exists()


def test_damaged_shard_is_named(tmp_path, game):
    rng = np.random.default_rng(2)
    ReplayBuffer(tmp_path, [game], window=100).commit(0, *_positions(game, 10, rng), games=1)
    shard = next(tmp_path.rglob("shard-*.safetensors"))
    shard.write_bytes(shard.read_bytes()[:50])
    with pytest.raises(BufferError, match="replay shard .* is damaged"):
        ReplayBuffer(tmp_path, [game], window=100)


def test_full_disk_commits_nothing(tmp_path, game, monkeypatch):
    rng = np.random.default_rng(3)
    buf = ReplayBuffer(tmp_path, [game], window=100)
    buf.commit(0, *_positions(game, 10, rng), games=1)

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(buffer_mod, "write_atomic", full)
    with pytest.raises(BufferError, match="the disk is full; nothing of it was committed"):
        buf.commit(0, *_positions(game, 10, rng), games=1)
    assert buf.committed == 10
    monkeypatch.undo()
    assert ReplayBuffer(tmp_path, [game], window=100).committed == 10


def test_symmetries_move_states_and_policies_together(tmp_path, game):
    rng = np.random.default_rng(4)
    buf = ReplayBuffer(tmp_path, [game], window=1000, augment=True)
    s, p, v = _positions(game, 200, rng)
    buf.commit(0, s, p, v, games=200)
    _, states, policy, value = buf.sample(256, rng)
    # the one stone on each board is where the (moved) policy points
    stones = (states[:, -game.num_actions:] != 0)
    assert (stones.argmax(1) == policy.argmax(1)).all()
    assert len({tuple(x) for x in states}) > 20  # rotations/reflections produce new boards


def test_one_player_objectives_are_squashed():
    v = normalise_objective(np.array([-5.0, -4.0, -3.0, -100.0], np.float32))
    assert (np.abs(v) < 1).all() and v[2] > v[1] > v[0] > v[3]
    assert (normalise_objective(np.ones(4, np.float32)) == 0).all()

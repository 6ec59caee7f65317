"""The documented third-party path, for real: pip installs plugins/varena-tictactoe as a
distribution with an entry point, and a fresh `varena` process discovers and plays it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(ROOT / "plugins" / "varena-tictactoe")],
        check=True, capture_output=True, text=True, timeout=300,
    )
    assert list(target.glob("varena_tictactoe-*.dist-info/entry_points.txt"))
    return target


def _varena(site, *args, **env):
    full = {**os.environ, "PYTHONPATH": str(site), **env}
    for var in ("VARENA_STRICT_PLUGINS", "VARENA_BLOCK_PLUGINS", "VARENA_LOAD_PLUGINS"):
        if var not in env:
            full.pop(var, None)
    code = "import sys; from varena.engine.cli import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=full, timeout=300)


def test_installed_plugin_is_listed(site):
    out = _varena(site, "plugins", "--json")
    assert out.returncode == 0, out.stderr
    listing = json.loads(out.stdout)
    game = next(g for g in listing["games"] if g["name"] == "tictactoe")
    assert game["distribution"] == "varena-tictactoe"
    perfect = next(s for s in listing["solvers"] if s["name"] == "perfect")
    assert perfect["games"] == ["tictactoe"]


def test_installed_plugin_plays_through_varena_play(site):
    out = _varena(site, "play", "tictactoe", "--p1", "perfect", "--p2", "perfect", "--seed", "1")
    assert out.returncode == 0, out.stderr
    assert "tictactoe: draw (9 moves; end)" in out.stdout  # perfect play draws
    out = _varena(site, "play", "tictactoe", "--p1", "random", "--p2", "perfect", "--seed", "2", "--quiet")
    assert out.returncode == 0 and "player 1 wins" not in out.stdout  # perfect never loses


def test_blocked_plugin_is_gone(site):
    out = _varena(site, "play", "tictactoe", VARENA_BLOCK_PLUGINS="varena-tictactoe")
    assert out.returncode == 2 and "unknown game 'tictactoe'" in out.stderr


def test_installed_plugin_passes_the_conformance_kit(site):
    code = "from varena.engine.testing import check_game; check_game('tictactoe', games=10); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(site)}, timeout=300)
    assert out.stdout.strip() == "ok", out.stderr


def test_installed_plugin_writes_its_own_records_in_a_tournament(site, tmp_path):
    out = _varena(site, "tournament", "--game", "tictactoe", "--agent", "a=perfect", "--agent",
                  "b=random", "--games", "2", "--concurrency", "1", "--out", str(tmp_path), "--json")
    assert out.returncode == 0, out.stderr
    records = sorted((tmp_path / "games").glob("*.txt"))
    assert len(records) == 2
    text = records[0].read_text()
    assert text.startswith("X: a\nO: b\nmoves: ") and "result: " in text

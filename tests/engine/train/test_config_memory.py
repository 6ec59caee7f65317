"""The replay window and the games in flight are checked against the memory there is before
anything is allocated (issue 16): one line naming the key, its value, the bytes and the
accepted maximum; no run folder is claimed."""

from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

import varena.engine.memory as memory
from tests.engine.train.helpers import tiny
from varena.engine.cli import full_cli
from varena.engine.errors import SpecError
from varena.engine.host import get_host
from varena.engine.train.config import check_config, check_memory

GO = '[games]\n"gomoku:size=15" = 1.0\n'


def _cfg(text: str):
    raw = tomllib.loads(text)
    cfg = check_config(raw)
    return cfg, [get_host().make_game(spec) for spec, _ in cfg.games]


def test_the_tiny_config_fits():
    check_memory(*_cfg(tiny()))


def test_a_window_beyond_memory_is_refused_in_one_line(monkeypatch):
    room = memory.allowance()  # read once: the memory available moves between two reads
    monkeypatch.setattr(memory, "allowance", lambda: room)
    cfg, games = _cfg(GO + "[buffer]\nwindow = 100000000\n")
    with pytest.raises(SpecError) as info:
        check_memory(cfg, games)
    text = str(info.value)
    assert text.startswith("config: buffer.window=100000000 would take ") and "\n" not in text
    most = int(text.split("accepted: buffer.window <= ")[1].split()[0])
    cfg, games = _cfg(GO + f"[buffer]\nwindow = {most}\nmin_positions = 1\n")
    check_memory(cfg, games)  # the maximum it names is accepted


def test_games_in_flight_beyond_memory_are_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(memory, "allowance", lambda: 512 * 2**20)
    cfg, games = _cfg(GO + "[selfplay]\ngames_in_flight = 65536\nsims = 1000\n"
                           "[buffer]\nwindow = 1000\n")
    with pytest.raises(SpecError, match=r"^config: selfplay.games_in_flight=65536 would take \d+ "
                                        r"bytes .*; accepted: selfplay.games_in_flight <= \d+ here"):
        check_memory(cfg, games)


def test_varena_train_refuses_it_and_claims_no_folder(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(tiny().replace("window = 2000", "window = 100000000")
                    .replace('"gomoku:size=3,k=3"', '"gomoku:size=15"'))  # 1e8 x 2 KiB
    out = tmp_path / "run"
    result = CliRunner().invoke(full_cli(), ["train", str(path), "--out", str(out), "--quiet"])
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "buffer.window=100000000 would take" in lines[0] and not out.exists()

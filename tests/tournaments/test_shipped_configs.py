"""Every tournament config shipped with the package loads, and names games and agents the
host can build (a typo in a shipped config would otherwise surface an hour into a run)."""

from pathlib import Path

import pytest

import varena.tournaments as tournaments
from varena.engine.host import get_host
from varena.engine.params import bind, parse_spec
from varena.tournaments.config import load_config

SHIPPED = sorted(Path(tournaments.__path__[0]).glob("*.toml"))


def test_the_measures_are_shipped():
    names = {p.stem for p in SHIPPED}
    assert {"quick", "standard", "alphavit", "alphavit_zeroshot", "paper3"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_config_builds(path):
    config = load_config(path).validate()
    host = get_host()
    # paper3 plays the Othello and Connect Four plugin distributions, which CI installs
    absent = sorted({parse_spec(s).name for s in config.games} - set(host.games))
    if absent and set(absent) <= {"othello", "connect4"}:
        pytest.skip(f"{path.stem} needs the {', '.join(absent)} plugin distribution(s)")
    games = [host.make_game(spec) for spec in config.games]
    for name, spec in config.agents.items():
        parsed = parse_spec(spec)
        cls = host.solver_class(parsed.name)
        bind(cls.params, dict(parsed.args), f"solver {parsed.name!r}")
        if name not in config.optional:  # external engines (GNU Go) may be absent
            assert any(cls.supports(g) for g in games), (name, spec)

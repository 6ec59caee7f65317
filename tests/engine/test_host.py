import logging

import click
import pytest

from tests.engine.nim_source import GOOD, NIM
from varena.engine.errors import PluginError, SpecError


def test_good_plugin_registers_game_and_solver(plugin_dir, host_factory):
    plugin_dir("varena-nim", GOOD)
    host = host_factory()
    assert host.games["nim"].dist == "varena-nim"
    assert host.solvers["takeone"].dist == "varena-nim"
    game = host.make_game("nim:stones=5")
    assert game.initial_state()[0] == 5
    agent = host.make_agent("takeone", game, seed=0)
    assert agent.select_actions(game.initial_states(2)).tolist() == [0, 0]
    assert not [p for p in host.problems if p.dist == "varena-nim"]


def _only_problem(host, dist):
    mine = [p for p in host.problems if p.dist == dist]
    assert len(mine) == 1, host.problems
    return mine[0]


@pytest.mark.parametrize(
    "source, reason",
    [
        ("import not_a_module_anywhere\n", "failed to import .*ModuleNotFoundError"),
        ("raise RuntimeError('boom at import')\n", "failed to import .*boom at import"),
        (GOOD.replace("def varena_register_games", "def varena_register_game"),
         "unknown hook 'varena_register_game' \\(did you mean 'varena_register_games'\\?\\)"),
        (GOOD.replace("register(Nim)", "raise ValueError('broken inside')"),
         "varena_register_games raised ValueError: broken inside"),
        (GOOD.replace("register(Nim)", "register(42)"), "not a subclass of varena.engine.api.Game"),
        (GOOD.replace("register(Nim)", "register(TakeOne)"), "not a subclass of varena.engine.api.Game"),
        (GOOD.replace("register(TakeOne)", "register(Nim)"), "not a subclass of varena.engine.api.Solver"),
        (GOOD.replace("def varena_register_games(register)", "def varena_register_games(reg)"),
         "invalid hook implementation"),
        (GOOD.replace('name = "nim"', 'name = ""'), "has no valid name"),
        (GOOD.replace("    def to_play(self, state):\n        return int(state[1])\n", ""),
         "abstract \\(missing: to_play\\)"),
        (GOOD.replace('name = "takeone"', 'name = "random"'),
         "name 'random' is already registered by distribution 'varena'"),
        (GOOD.replace("@hookimpl\ndef varena_register_games", "def varena_register_games"),
         "hook function 'varena_register_games' is not marked with @varena.engine.hookimpl"),
    ],
    ids=["import-error", "import-raises", "misspelt-hook", "hook-raises", "wrong-type",
         "solver-as-game", "game-as-solver", "bad-signature", "no-name", "abstract", "duplicate",
         "unmarked"],
)
def test_broken_plugin_gives_one_warning_and_the_rest_works(plugin_dir, host_factory, caplog, source, reason):
    plugin_dir("varena-broken", source)
    plugin_dir("varena-other", GOOD.replace('"nim"', '"nim2"').replace('"takeone"', '"takeone2"'))
    with caplog.at_level(logging.WARNING, logger="varena.plugins"):
        host = host_factory()
        host.games, host.solvers  # noqa: B018 - registration happens on first access
    problem = _only_problem(host, "varena-broken")
    assert problem.plugin == "varena-broken"
    import re

    assert re.search(reason, problem.reason), problem.reason
    warnings = [r for r in caplog.records if "varena-broken" in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    assert "nim2" in host.games and "takeone2" in host.solvers  # the others keep working
    assert "random" in host.solvers and host.solvers["random"].dist == "varena"


def test_duplicate_between_third_parties_blames_the_later(plugin_dir, host_factory):
    plugin_dir("varena-aaa", GOOD)
    plugin_dir("varena-bbb", GOOD)
    host = host_factory()
    assert host.games["nim"].dist == "varena-aaa"
    assert "already registered by distribution 'varena-aaa'" in _only_problem(host, "varena-bbb").reason


def test_strict_mode_turns_a_problem_into_an_error(plugin_dir, host_factory):
    plugin_dir("varena-broken", "import not_a_module_anywhere\n")
    with pytest.raises(PluginError, match="varena-broken.*VARENA_STRICT_PLUGINS"):
        host_factory(VARENA_STRICT_PLUGINS="1")


def test_block_list_skips_named_plugins(plugin_dir, host_factory):
    plugin_dir("varena-nim", GOOD)
    plugin_dir("varena-broken", "import not_a_module_anywhere\n")
    host = host_factory(VARENA_BLOCK_PLUGINS="varena-broken, varena-nim")
    assert "nim" not in host.games and not [p for p in host.problems if p.dist.startswith("varena-")]
    assert "random" in host.solvers


def test_block_list_can_block_a_builtin(plugin_dir, host_factory):
    host = host_factory(VARENA_BLOCK_PLUGINS="solvers")
    assert "random" not in host.solvers


def test_allow_list_loads_only_named_third_parties(plugin_dir, host_factory):
    plugin_dir("varena-nim", GOOD)
    plugin_dir("varena-broken", "import not_a_module_anywhere\n")
    host = host_factory(VARENA_LOAD_PLUGINS="varena-nim")
    assert "nim" in host.games and "random" in host.solvers
    assert not [p for p in host.problems if p.dist == "varena-broken"]
    assert "nim" not in host_factory(VARENA_LOAD_PLUGINS="").games


def test_commands_hook_adds_a_click_command(plugin_dir, host_factory):
    plugin_dir("varena-cmd", GOOD + '''
import click

@click.command("hello")
def hello():
    click.echo("hi")

@hookimpl
def varena_register_commands(cli):
    cli.add_command(hello)
''')
    group = click.Group("g")
    host_factory().add_commands(group)
    assert "hello" in group.commands


def test_observer_hooks_are_called_and_failures_reported(plugin_dir, host_factory):
    plugin_dir("varena-obs", GOOD + '''
SEEN = []

@hookimpl
def varena_game_finished(record):
    SEEN.append(record)

@hookimpl
def varena_train_metrics(step, metrics):
    raise RuntimeError("observer broke")
''')
    host = host_factory()
    host.notify("varena_game_finished", record="r1")
    host.notify("varena_train_metrics", step=1, metrics={"loss": 1.0})
    import varena_obs

    assert varena_obs.SEEN == ["r1"]
    assert "varena_train_metrics raised RuntimeError: observer broke" in _only_problem(host, "varena-obs").reason
    with pytest.raises(ValueError, match="unknown hook"):
        host.notify("varena_nope")


def test_unknown_names_suggest_the_closest(plugin_dir, host_factory):
    plugin_dir("varena-nim", GOOD)
    host = host_factory()
    with pytest.raises(SpecError, match="unknown game 'nimm'; did you mean 'nim'"):
        host.make_game("nimm")
    with pytest.raises(SpecError, match="unknown solver 'randm'; did you mean 'random'"):
        host.make_agent("randm", host.make_game("nim"))
    with pytest.raises(SpecError, match="parameter stones='0' is not accepted.*integer 1..50"):
        host.make_game("nim:stones=0")


def test_solver_that_does_not_support_a_game_says_which_do(plugin_dir, host_factory):
    plugin_dir("varena-nim", GOOD)
    plugin_dir("varena-other", NIM.replace('"nim"', '"nim2"').replace("class Nim", "class Nim2") + '''

@hookimpl
def varena_register_games(register):
    register(Nim2)
''')
    host = host_factory()
    with pytest.raises(SpecError, match="does not support game 'nim2'; solvers that do: .*random"):
        host.make_agent("takeone", host.make_game("nim2"))


def test_hooks_are_called_through_pluggys_implementations(plugin_dir, host_factory):
    """pluggy, not the module attribute, decides what is called: an implementation under
    another name (specname) is called, and one that pluggy no longer holds is not."""
    plugin_dir("varena-nim", GOOD.replace("def varena_register_games(register):",
                                          "def my_games(register):").replace(
        "@hookimpl\ndef my_games", '@hookimpl(specname="varena_register_games")\ndef my_games'))
    plugin_dir("varena-obs", """
from varena.engine import hookimpl
SEEN = []

@hookimpl
def varena_game_finished(record):
    SEEN.append(record)
""")
    host = host_factory()
    assert host.games["nim"].dist == "varena-nim"
    import varena_obs

    host.pm.unregister(name="varena-obs:varena-obs")
    host.notify("varena_game_finished", record="r")
    assert varena_obs.SEEN == []

"""The plugin host: entry-point discovery, guarded loading, validation and name lookup.

Every plugin, built-in or third party, is a module named by an entry point in the group
``varena``, registered with a pluggy plugin manager; every hook call goes through pluggy's
registered implementations (one at a time, so that each is guarded on its own). A plugin
that fails to import, names an unknown hook, leaves a hook function unmarked, raises inside
a hook, registers something of the wrong type or a name already taken is reported once
(naming its distribution and the reason) and the rest keep working.
:meth:`Host.blame` names the distribution whose code raised an exception, so that the CLI
reports a plugin's bug in one line.

Environment:
- ``VARENA_STRICT_PLUGINS=1``: any such problem raises :class:`PluginError` instead.
- ``VARENA_BLOCK_PLUGINS=a,b``: skip these plugins (entry-point or distribution names).
- ``VARENA_LOAD_PLUGINS=a,b``: load only these third-party plugins (built-ins still load;
  an empty value loads none).
"""

from __future__ import annotations

import difflib
import inspect
import logging
import os
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from varena.engine import hooks
from varena.engine.errors import PluginError, SpecError
from varena.engine.params import bind, parse_spec, suggest

log = logging.getLogger("varena.plugins")

GROUP = "varena"
BUILTIN_DIST = "varena"
_HOOK_NAMES = frozenset(n for n in dir(hooks) if n.startswith("varena_"))
_REMOTE = "RemoteTraceback"
_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


@dataclass(frozen=True, slots=True)
class Registered:
    """A registered game or solver class and the plugin that provided it."""

    cls: type
    dist: str
    plugin: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A plugin problem that was reported and skipped."""

    dist: str
    plugin: str
    reason: str

    def __str__(self) -> str:
        return f"plugin {self.plugin!r} (distribution {self.dist!r}): {self.reason}"


@dataclass
class _Loaded:
    ep_name: str
    dist: str
    module: ModuleType


@dataclass
class Host:
    """Loads the plugins once; ``games``/``solvers`` map names to :class:`Registered`."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    eps: Iterable[EntryPoint] | None = None
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.strict = self.env.get("VARENA_STRICT_PLUGINS", "") not in ("", "0", "false")
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hooks)
        self.loaded: list[_Loaded] = []
        self._by_name: dict[str, _Loaded] = {}
        self._games: dict[str, Registered] | None = None
        self._solvers: dict[str, Registered] | None = None
        eps = list(entry_points(group=GROUP) if self.eps is None else self.eps)
        # Built-ins first, so that a third party reusing a built-in name is the one blamed.
        eps.sort(key=lambda ep: (_dist_name(ep) != BUILTIN_DIST, _dist_name(ep), ep.name))
        for ep in eps:
            self._load(ep)

    # -- loading ----------------------------------------------------------------------------
    def _report(self, dist: str, plugin: str, reason: str) -> None:
        reason = "; ".join(line.strip() for line in reason.splitlines() if line.strip())
        problem = Problem(dist, plugin, reason)
        if self.strict:
            raise PluginError(f"{problem} (VARENA_STRICT_PLUGINS is set)")
        self.problems.append(problem)
        log.warning("%s; skipped", problem)

    def _wanted(self, ep: EntryPoint, dist: str) -> bool:
        names = {ep.name, dist}
        blocked = _split(self.env.get("VARENA_BLOCK_PLUGINS", ""))
        if names & blocked:
            log.info("plugin %r blocked by VARENA_BLOCK_PLUGINS", ep.name)
            return False
        if dist != BUILTIN_DIST and "VARENA_LOAD_PLUGINS" in self.env:
            if not names & _split(self.env["VARENA_LOAD_PLUGINS"]):
                log.info("plugin %r not in VARENA_LOAD_PLUGINS", ep.name)
                return False
        return True

    def _load(self, ep: EntryPoint) -> None:
        dist = _dist_name(ep)
        if not self._wanted(ep, dist) or any(x.ep_name == ep.name and x.dist == dist for x in self.loaded):
            return
        try:
            module = ep.load()
        except Exception as exc:  # any import-time failure is the plugin's, not ours
            self._report(dist, ep.name, f"failed to import {ep.value!r}: {type(exc).__name__}: {exc}")
            return
        functions = {n: f for n, f in vars(module).items() if n.startswith("varena_") and callable(f)}
        unknown = sorted(n for n in functions if n not in _HOOK_NAMES)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(_HOOK_NAMES), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self._report(dist, ep.name, f"unknown hook {unknown[0]!r}{hint}; known hooks: "
                         + ", ".join(sorted(_HOOK_NAMES)))
            return
        unmarked = sorted(n for n, f in functions.items() if self.pm.parse_hookimpl_opts(module, n) is None)
        if unmarked:
            self._report(dist, ep.name, f"hook function {unmarked[0]!r} is not marked with "
                         "@varena.engine.hookimpl, so it would never be called")
            return
        name = f"{dist}:{ep.name}"
        try:
            self.pm.register(module, name=name)
        except Exception as exc:  # pluggy's validation of hook signatures, duplicate modules
            self._report(dist, ep.name, f"invalid hook implementation: {exc}")
            return
        self.loaded.append(_Loaded(ep.name, dist, module))
        self._by_name[name] = self.loaded[-1]

    def _impls(self, hook: str) -> list[tuple[_Loaded, Any]]:
        """The registered implementations of ``hook`` with their plugins, in load order."""
        impls = vars(self.pm.hook)[hook].get_hookimpls()
        found = [(self._by_name[i.plugin_name], i) for i in impls if i.plugin_name in self._by_name]
        order = {id(p): k for k, p in enumerate(self.loaded)}
        return sorted(found, key=lambda pi: order[id(pi[0])])

    def _call(self, hook: str, plugin: _Loaded, impl: Any, **kwargs: Any) -> None:
        """Call one pluggy hook implementation, as pluggy's own loop would (the arguments it
        declares), inside the guard: a failure is that plugin's, reported and skipped."""
        try:
            impl.function(*(kwargs[a] for a in impl.argnames))
        except PluginError:
            raise
        except Exception as exc:
            self._report(plugin.dist, plugin.ep_name, f"{hook} raised {type(exc).__name__}: {exc}")

    # -- registries ---------------------------------------------------------------------------
    def _collect(self, hook: str, base: type) -> dict[str, Registered]:
        found: dict[str, Registered] = {}
        for plugin, impl in self._impls(hook):
            def register(cls: Any, _p: _Loaded = plugin) -> None:
                reason = _check_class(cls, base)
                if reason:
                    self._report(_p.dist, _p.ep_name, f"{hook}: {reason}")
                elif cls.name in found:
                    other = found[cls.name]
                    self._report(_p.dist, _p.ep_name, f"{hook}: name {cls.name!r} is already "
                                 f"registered by distribution {other.dist!r}")
                else:
                    found[cls.name] = Registered(cls, _p.dist, _p.ep_name)
            self._call(hook, plugin, impl, register=register)
        return found

    @property
    def games(self) -> dict[str, Registered]:
        if self._games is None:
            from varena.engine.api import Game
            self._games = self._collect("varena_register_games", Game)
        return self._games

    @property
    def solvers(self) -> dict[str, Registered]:
        if self._solvers is None:
            from varena.engine.api import Solver
            self._solvers = self._collect("varena_register_solvers", Solver)
        return self._solvers

    def add_commands(self, cli: Any) -> None:
        """Let every plugin add its click commands to ``cli``."""
        for plugin, impl in self._impls("varena_register_commands"):
            self._call("varena_register_commands", plugin, impl, cli=cli)

    def notify(self, hook: str, **kwargs: Any) -> None:
        """Call an observer hook on every plugin; a failing observer is reported, not fatal."""
        if hook not in _HOOK_NAMES:
            raise ValueError(f"unknown hook {hook!r}")
        for plugin, impl in self._impls(hook):
            self._call(hook, plugin, impl, **kwargs)

    def blame(self, exc: BaseException) -> str | None:
        """One line naming the third-party distribution whose code raised ``exc`` (the
        innermost frame of its traceback in a plugin's files), or None when no plugin's code
        is on the traceback (varena's own bugs keep their traceback)."""
        roots = self._plugin_roots()
        frames = [(f.filename, f.lineno, f.name) for f in traceback.extract_tb(exc.__traceback__)]
        if _REMOTE in type(exc.__cause__).__name__:
            # raised in a worker process: concurrent.futures attaches its traceback as text
            frames += [(f, int(n), name) for f, n, name in _FRAME.findall(str(exc.__cause__))]
        for filename, lineno, name in reversed(frames):
            where = Path(filename).resolve()
            for root, dist in roots:
                if where == root or root in where.parents:
                    detail = str(exc).strip().splitlines()
                    message = f"{type(exc).__name__}: {detail[0]}" if detail else type(exc).__name__
                    return (f"plugin distribution {dist!r} failed: {message} (in {name}, "
                            f"{where.name}:{lineno})")
        return None

    def _plugin_roots(self) -> list[tuple[Path, str]]:
        """(file or package folder, distribution) of every third-party plugin's code: its
        entry-point module and the modules of the classes it registered."""
        modules: dict[str, str] = {}
        for plugin in self.loaded:
            if plugin.dist != BUILTIN_DIST:
                modules[plugin.module.__name__] = plugin.dist
        for reg in [*(self._games or {}).values(), *(self._solvers or {}).values()]:
            if reg.dist != BUILTIN_DIST:
                modules[reg.cls.__module__] = reg.dist
        roots = []
        for name, dist in modules.items():
            top = name.split(".")[0]
            for module in {name, top} - {"varena"}:  # the varena namespace is not theirs
                file = vars(sys.modules[module]).get("__file__") if module in sys.modules else None
                if file:  # namespace packages have none
                    path = Path(file).resolve()
                    roots.append((path.parent if path.name == "__init__.py" else path, dist))
        return roots

    # -- lookup -------------------------------------------------------------------------------
    def game_class(self, name: str) -> type:
        if name not in self.games:
            raise suggest(name, list(self.games), "game")
        return self.games[name].cls

    def solver_class(self, name: str) -> type:
        if name not in self.solvers:
            raise suggest(name, list(self.solvers), "solver")
        return self.solvers[name].cls

    def make_game(self, spec: str) -> Any:
        """A configured game from a spec such as ``gomoku:size=9,rule=renju``."""
        parsed = parse_spec(spec)
        cls = self.game_class(parsed.name)
        config = bind(cls.params, dict(parsed.args), f"game {parsed.name!r}")
        return cls(**config)

    def make_agent(self, spec: str, game: Any, seed: int | None = None) -> Any:
        """A solver for ``game`` from a spec such as ``mcts:sims=400``."""
        parsed = parse_spec(spec)
        cls = self.solver_class(parsed.name)
        if not cls.supports(game):
            able = [n for n, r in self.solvers.items() if r.cls.supports(game)]
            raise SpecError(f"solver {parsed.name!r} does not support game {game.spec!r}; "
                            f"solvers that do: {', '.join(sorted(able)) or 'none'}")
        config = bind(cls.params, dict(parsed.args), f"solver {parsed.name!r}")
        return cls(game, seed=seed, **config)


def _dist_name(ep: EntryPoint) -> str:
    return ep.dist.name if ep.dist is not None else "(unknown)"


def _split(value: str) -> set[str]:
    return {x.strip() for x in value.split(",") if x.strip()}


def _check_class(cls: Any, base: type) -> str:
    what = base.__name__
    if not (inspect.isclass(cls) and issubclass(cls, base)):
        return f"registered {cls!r}, which is not a subclass of varena.engine.api.{what}"
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        return f"{what} {cls.__name__} is abstract (missing: {missing})"
    name = cls.name  # declared on Game and Solver
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "_-." for c in name):
        return f"{what} {cls.__name__} has no valid name (got {name!r})"
    return ""


def register_each(register: Any, table: Iterable[tuple[str, str]]) -> None:
    """Import ``module.NAME`` for each pair and pass it to ``register``; one failing import does not
    stop the others (the failures are raised together at the end, for the host to report)."""
    import importlib

    failed = []
    for module, name in table:
        try:
            cls = getattr(importlib.import_module(module), name)  # modules may load lazily
        except Exception as exc:  # report every broken built-in, register the rest
            failed.append(f"{module}.{name}: {type(exc).__name__}: {exc}")
            continue
        register(cls)
    if failed:
        raise ImportError("; ".join(failed))


_HOST: Host | None = None


def get_host() -> Host:
    """The process-wide host, created on first use."""
    global _HOST
    if _HOST is None:
        _HOST = Host()
    return _HOST


def reset_host() -> None:
    """Forget the process-wide host (tests, or after installing a plugin)."""
    global _HOST
    _HOST = None


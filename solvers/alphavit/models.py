"""Shipped networks: ``alphavit:checkpoint=NAME`` finds one by name, ``varena models`` lists them.

A shipped AlphaViT network is package data, ``solvers/alphavit/checkpoints/NAME.safetensors``
(weights + JSON metadata: network config, the game specs it was trained on, learner steps,
self-play positions and games, the training config). The listing reads only the safetensors
header (no torch import), and also shows the shipped networks of the other solvers
(``ptrnet``, ``set2seq``), which keep theirs the same way.

A ``checkpoint=`` value is a path when it holds a path separator or ends in ``.safetensors``
(or names an existing file); otherwise it is a shipped name.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from varena.engine.bounded import is_file
from varena.engine.errors import CheckpointError

PACKAGE = "varena.solvers.alphavit"
FOLDER = "checkpoints"
SUFFIX = ".safetensors"
#: Packages whose ``checkpoints/`` folder holds shipped networks, listed by ``varena models``.
LISTED = (("alphavit", "varena.solvers.alphavit"), ("ptrnet", "varena.solvers.ptrnet"),
          ("set2seq", "varena.solvers.set2seq"))
MAX_HEADER = 16 * 1024 * 1024  # safetensors headers of shipped networks are a few KB


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One shipped network, as its header describes it."""

    solver: str
    name: str
    path: Path
    size_bytes: int
    parameters: int
    arch: str
    width: int
    layers: int
    trained_on: tuple[str, ...]
    step: int
    positions: int
    games: int


def _folder(package: str) -> Path | None:
    try:
        folder = resources.files(package) / FOLDER
    except ModuleNotFoundError:
        return None
    return Path(str(folder)) if folder.is_dir() else None


def shipped(package: str = PACKAGE) -> dict[str, Path]:
    """Name -> file of the networks shipped in ``package`` (default: AlphaViT's)."""
    folder = _folder(package)
    if folder is None:
        return {}
    return {p.name[: -len(SUFFIX)]: p for p in sorted(folder.iterdir())
            if p.name.endswith(SUFFIX) and p.is_file()}


def resolve(value: str | os.PathLike) -> Path:
    """The file a ``checkpoint=`` value names: a path as given, or a shipped network's file.

    An unknown name raises CheckpointError in one line listing the shipped names."""
    text = os.fspath(value)
    if os.sep in text or "/" in text or text.endswith(SUFFIX) or is_file(text):
        return Path(text).expanduser()
    ships = shipped()
    if text in ships:
        return ships[text]
    names = ", ".join(ships) or "none"
    raise CheckpointError(f"alphavit: no shipped network named {text!r} (shipped: {names}); "
                          "or give a path to a .safetensors file")


def read_header(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(tensor table, varena metadata) of a safetensors file, read without torch."""
    try:
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) != 8:
                raise CheckpointError(f"{path}: not a safetensors file (truncated header)")
            (n,) = struct.unpack("<Q", raw)
            if not 2 <= n <= MAX_HEADER:
                raise CheckpointError(f"{path}: not a safetensors file (header of {n} bytes)")
            header = json.loads(f.read(n).decode("utf-8"))
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"{path}: not a safetensors file (header is not JSON)") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: not a safetensors file (header is not an object)")
    meta_text = (header.pop("__metadata__", None) or {}).get("varena")
    try:
        meta = json.loads(meta_text) if isinstance(meta_text, str) else {}
    except json.JSONDecodeError:
        raise CheckpointError(f"{path}: varena metadata is not JSON") from None
    return header, meta if isinstance(meta, dict) else {}


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def describe(path: Path, name: str, solver: str = "alphavit") -> ModelInfo:
    """A shipped network's line of the listing, from its header."""
    tensors, meta = read_header(path)
    params = 0
    for entry in tensors.values():
        shape = entry.get("shape", []) if isinstance(entry, dict) else []
        count = 1
        for dim in shape:
            count *= _int(dim)
        params += count
    cfg = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    training = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    width = _int(cfg.get("d_model") or cfg.get("hidden") or cfg.get("d") or cfg.get("dim"))
    layers = _int(cfg.get("enc_layers")) + _int(cfg.get("dec_layers") if cfg.get("arch") != "vit"
                                                   else 0) if "enc_layers" in cfg else _int(cfg.get("layers"))
    arch = str(cfg.get("arch", cfg.get("kind", "")) or "-")
    if meta.get("kind") == "set2seq":  # Read-Process-Write: its depth is P, the Process steps
        arch, layers = "rpw", _int(cfg.get("process_steps"))
    trained = meta.get("trained_on") if isinstance(meta.get("trained_on"), list) else []
    # set2seq records the sizes it trained on; show them as the game specs the others list
    trained = [f"{meta.get('game')}:n={t}" if isinstance(t, int) and meta.get("game") else t
               for t in trained]
    return ModelInfo(solver=solver, name=name, path=path, size_bytes=path.stat().st_size,
                     parameters=params, arch=arch,
                     width=width, layers=layers, trained_on=tuple(str(t) for t in trained),
                     step=_int(meta.get("step")), positions=_int(training.get("positions")),
                     games=_int(training.get("games")))


def listing() -> list[ModelInfo]:
    """Every shipped network of the built-in solvers, by solver then name."""
    return [describe(path, name, solver) for solver, package in LISTED
            for name, path in shipped(package).items()]


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def _models_command():
    import click

    @click.command("models")
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per network.")
    def models(as_json: bool) -> None:
        """List the shipped networks: name, solver, size, what they were trained on."""
        rows = listing()
        if as_json:
            for m in rows:
                click.echo(json.dumps({"solver": m.solver, "name": m.name, "path": str(m.path),
                                       "bytes": m.size_bytes, "parameters": m.parameters,
                                       "arch": m.arch, "width": m.width, "layers": m.layers,
                                       "trained_on": list(m.trained_on), "step": m.step,
                                       "positions": m.positions, "games": m.games}))
            return
        if not rows:
            click.echo("no shipped networks")
            return
        click.echo(f"{'solver':9s} {'name':18s} {'file':>8s} {'weights':>8s} {'arch':9s} "
                   f"{'d':>4s} {'L':>2s} {'steps':>6s} {'positions':>9s} {'games':>7s}  trained on")
        for m in rows:
            click.echo(f"{m.solver:9s} {m.name:18s} {_size(m.size_bytes):>8s} "
                       f"{m.parameters / 1e6:>7.2f}M {m.arch:9s} {m.width:>4d} {m.layers:>2d} "
                       f"{m.step:>6d} {m.positions:>9d} {m.games:>7d}  "
                       f"{' '.join(m.trained_on) or '-'}")
        click.echo("play one: alphavit:checkpoint=NAME (or ptrnet:/set2seq:checkpoint=NAME)")

    return models


models_command = _models_command()

"""Creating, saving, loading and finding Read-Process-Write networks (safetensors + JSON).

A checkpoint's metadata says what it was trained for: ``kind`` ("set2seq"), the network
``config``, ``task``, ``game`` (the game it plays), ``rule``, ``order``, ``trained_on``
(sizes) and ``step``. Shipped checkpoints sit in this package's ``checkpoints/`` folder and
load by name (``set2seq:checkpoint=sort``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from varena.engine.bounded import is_file
from varena.engine.errors import CheckpointError
from varena.engine.nn.checkpoint import check_weights, load_weights, read_metadata, save_checkpoint
from varena.solvers.set2seq.network import NetConfig, ReadProcessWrite

KIND = "set2seq"
META_KEYS = ("task", "game", "rule", "order", "trained_on", "step")


def shipped() -> dict[str, Path]:
    """Name -> path of the checkpoints shipped in the package."""
    folder = resources.files("varena.solvers.set2seq") / "checkpoints"
    if not folder.is_dir():
        return {}
    return {p.name[: -len(".safetensors")]: Path(str(p)) for p in folder.iterdir()
            if p.name.endswith(".safetensors")}


def resolve(name_or_path: str) -> Path:
    """A shipped checkpoint's name, or a path to a .safetensors file."""
    ships = shipped()
    if name_or_path in ships:
        return ships[name_or_path]
    path = Path(name_or_path)
    if is_file(path):
        return path
    names = ", ".join(sorted(ships)) or "none"
    raise CheckpointError(f"set2seq: checkpoint {name_or_path!r} is neither a shipped name "
                          f"(shipped: {names}) nor a file")


def new_network(cfg: NetConfig, seed: int | None = 0) -> ReadProcessWrite:
    """A freshly initialised network; the same seed gives the same weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0 if seed is None else int(seed))
        return ReadProcessWrite(cfg)


def save_network(path: str | os.PathLike, net: ReadProcessWrite, meta: dict[str, Any]) -> Path:
    missing = [k for k in META_KEYS if k not in meta]
    if missing:
        raise CheckpointError(f"set2seq checkpoint metadata lacks {missing}")
    return save_checkpoint(path, net, {"kind": KIND, "config": net.cfg.to_dict(), **meta})


def load_network(path: str | os.PathLike) -> tuple[ReadProcessWrite, dict[str, Any]]:
    """The network stored at ``path`` and its metadata (CPU). CheckpointError says what
    does not fit."""
    meta = read_metadata(path)
    if meta.get("kind") != KIND:
        raise CheckpointError(f"{path}: checkpoint kind {meta.get('kind')!r}; expected {KIND!r}")
    missing = [k for k in ("config", *META_KEYS) if k not in meta]
    if missing:
        raise CheckpointError(f"{path}: set2seq metadata lacks {missing}")
    try:
        cfg = NetConfig.from_dict(meta["config"])
    except TypeError as exc:
        raise CheckpointError(f"{path}: bad network config: {exc}") from None
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    with torch.device("meta"):
        check_weights(path, ReadProcessWrite(cfg))
    net = ReadProcessWrite(cfg)
    load_weights(path, net)
    return net, meta

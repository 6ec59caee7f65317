"""Saving, loading and naming pointer-network checkpoints (safetensors + JSON metadata).

Metadata: ``kind`` ("ptrnet"), ``config`` (:class:`NetConfig`), ``problem`` (the game it
solves), ``trained_on`` (game specs), ``step``, ``trainer`` and whatever the trainer adds.

``checkpoint=NAME`` finds a shipped checkpoint ``solvers/ptrnet/checkpoints/NAME.safetensors``;
anything with a path separator or a ``.safetensors`` suffix is a file path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from varena.engine.bounded import is_file
from varena.engine.errors import CheckpointError
from varena.engine.nn.checkpoint import check_weights, load_weights, read_metadata, save_checkpoint
from varena.solvers.ptrnet.networks import NetConfig, build

KIND = "ptrnet"
SHIPPED = Path(__file__).with_name("checkpoints")


def shipped() -> list[str]:
    """Names of the checkpoints shipped with varena."""
    return sorted(p.stem for p in SHIPPED.glob("*.safetensors"))


def resolve(name_or_path: str) -> Path:
    """The file a ``checkpoint=`` value names (a shipped name or a path)."""
    text = str(name_or_path)
    if os.sep in text or "/" in text or text.endswith(".safetensors"):
        path = Path(text).expanduser()
        if not is_file(path):
            raise CheckpointError(f"ptrnet: checkpoint file {text!r} does not exist")
        return path
    path = SHIPPED / f"{text}.safetensors"
    if not is_file(path):
        names = ", ".join(shipped()) or "none shipped"
        raise CheckpointError(f"ptrnet: no shipped checkpoint named {text!r} (shipped: {names}); "
                              "or give a path to a .safetensors file")
    return path


def new_network(cfg: NetConfig, seed: int | None = 0) -> torch.nn.Module:
    """A freshly initialised network; the same seed gives the same weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0 if seed is None else int(seed))
        return build(cfg)


def save_network(path: str | os.PathLike, net: torch.nn.Module, *, problem: str, step: int = 0,
                 trained_on: list[str] | tuple[str, ...] = (), extra: dict[str, Any] | None = None
                 ) -> Path:
    meta = {"kind": KIND, "config": net.cfg.to_dict(), "problem": problem,
            "trained_on": list(trained_on), "step": int(step), **(extra or {})}
    return save_checkpoint(path, net, meta)


def load_network(path: str | os.PathLike) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The network at ``path`` (on the CPU) and its metadata; CheckpointError naming any
    mismatch (another kind of checkpoint, a bad config, weights that do not fit)."""
    meta = read_metadata(path)
    if meta.get("kind") != KIND:
        raise CheckpointError(f"{path}: checkpoint kind {meta.get('kind')!r}; expected {KIND!r}")
    if not isinstance(meta.get("config"), dict) or not isinstance(meta.get("problem"), str):
        raise CheckpointError(f"{path}: metadata lacks the network 'config' or the 'problem'")
    try:
        cfg = NetConfig.from_dict(meta["config"])
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: bad network config: {exc}") from None
    with torch.device("meta"):  # shapes only, before anything is allocated
        check_weights(path, build(cfg))
    net = build(cfg)
    load_weights(path, net)
    return net, meta

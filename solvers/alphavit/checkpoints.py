"""Creating, saving and loading AlphaViT-family networks (safetensors + JSON metadata)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from varena.engine.errors import CheckpointError
from varena.engine.nn.checkpoint import check_weights, load_weights, read_metadata, save_checkpoint
from varena.solvers.alphavit.network import AlphaNet
from varena.solvers.alphavit.presets import NetConfig, make_config

KIND = "alphavit"


def new_network(arch: str, preset: str, games: tuple[str, ...] | list[str], seed: int | None = 0,
                **overrides: Any) -> AlphaNet:
    """A freshly initialised network; the same seed gives the same weights."""
    cfg = make_config(arch, preset, games, **overrides)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0 if seed is None else seed)
        net = AlphaNet(cfg)
    net.preset = preset  # type: ignore[attr-defined]  # recorded in checkpoints
    return net


def save_network(path: str | os.PathLike, net: AlphaNet, *, step: int = 0,
                 trained_on: list[str] | tuple[str, ...] = (), extra: dict[str, Any] | None = None
                 ) -> Path:
    """Write ``net`` with its config, the game specs it was trained on and the training step."""
    meta = {
        "kind": KIND,
        "config": net.cfg.to_dict(),
        "preset": getattr(net, "preset", None),
        "trained_on": list(trained_on),
        "step": int(step),
        **(extra or {}),
    }
    return save_checkpoint(path, net, meta)


def load_network(path: str | os.PathLike, *, arch: str | None = None) -> tuple[AlphaNet, dict[str, Any]]:
    """The network stored at ``path`` (a file, or a shipped network's name: see
    :mod:`varena.solvers.alphavit.models`) and its metadata, on the CPU.

    ``arch``: when given, the checkpoint must hold that architecture. Raises CheckpointError
    naming what does not match.
    """
    from varena.solvers.alphavit.models import resolve

    path = resolve(path)
    meta = read_metadata(path)
    if meta.get("kind") != KIND:
        raise CheckpointError(f"{path}: checkpoint kind {meta.get('kind')!r}; expected {KIND!r}")
    if "config" not in meta:
        raise CheckpointError(f"{path}: metadata has no network 'config'")
    try:
        cfg = NetConfig.from_dict(meta["config"])
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    except TypeError as exc:
        raise CheckpointError(f"{path}: bad network config: {exc}") from None
    if arch is not None and cfg.arch != arch:
        raise CheckpointError(f"{path}: checkpoint holds arch={cfg.arch}, but arch={arch} "
                              "was asked for")
    with torch.device("meta"):  # shapes only: a config that disagrees with the weights
        check_weights(path, AlphaNet(cfg))  # must not allocate the network it describes
    net = AlphaNet(cfg)
    net.preset = meta.get("preset")  # type: ignore[attr-defined]
    load_weights(path, net)
    return net, meta

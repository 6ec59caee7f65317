"""A training checkpoint: what ``--resume`` needs, written so that a kill at any point
leaves the previous checkpoint usable.

Files of step N, in the order written (each atomic)::

    checkpoints/step-0000000N.safetensors   the network + metadata (step, positions, games,
                                            config hash): what ``alphavit:checkpoint=...`` plays
    optim/step-0000000N.safetensors         optimiser moments, torch RNG; JSON: param groups,
                                            numpy RNG, counters
    latest.json                             -> step N (the commit point), then state.json

Only safetensors and JSON are written or read; nothing is unpickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save as st_save

from varena.engine.atomic import write_atomic
from varena.engine.errors import CheckpointError
from varena.engine.nn.checkpoint import (
    FORMAT,
    META_KEY,
    check_weights,
    load_weights,
    read_metadata,
    read_tensors,
)
from varena.engine.train.rundir import RunDir

OPTIM = "optim"


def optim_path(run: RunDir, step: int) -> Path:
    return run.path / OPTIM / f"step-{int(step):08d}.safetensors"


def save_training_state(run: RunDir, step: int, net: torch.nn.Module, learner: Any, nets: Any,
                        specs: list[str], config_hash: str, info: dict[str, Any]) -> Path:
    """Write step ``step``'s checkpoint and commit it; returns the network file."""
    path = run.checkpoint_path(step)
    training = {"config_hash": config_hash, "positions": int(info["positions"]),
                "games": int(info["games"]), "positions_per_game": info["positions_per_game"]}
    nets.save_network(path, net, step=step, trained_on=specs, extra={"training": training})
    tensors, meta = learner.state_tensors()
    tensors = {f"opt.{k}": v for k, v in tensors.items()}
    tensors["torch_rng"] = torch.random.get_rng_state()
    meta = {"format": FORMAT, "kind": "varena-train-state", "step": int(step),
            "config_hash": config_hash, "optimizer": meta, **info}
    write_atomic(optim_path(run, step), st_save(tensors, metadata={META_KEY: json.dumps(meta)}))
    run.commit_checkpoint(step, path)
    kept = {p.name for p in (run.path / "checkpoints").glob("step-*.safetensors")}
    for old in (run.path / OPTIM).glob("step-*.safetensors"):
        if old.name not in kept:
            old.unlink(missing_ok=True)
    run.save_state({"step": int(step), "checkpoint": path.relative_to(run.path).as_posix(),
                    **{k: v for k, v in info.items() if k != "numpy_rng"}})
    return path


def load_training_state(run: RunDir, step: int, path: Path, net: torch.nn.Module, learner: Any,
                        config_hash: str) -> dict[str, Any]:
    """Load step ``step`` into ``net`` and ``learner``; returns the JSON info (counters,
    numpy RNG). A checkpoint of another config is refused naming both hashes."""
    meta = read_metadata(path)
    training = meta.get("training") or {}
    if training.get("config_hash") != config_hash:
        raise CheckpointError(f"{path} was trained with another config (hash "
                              f"{training.get('config_hash')!r}, this config {config_hash!r}); "
                              "resume with the run's own config, or start a new run")
    check_weights(path, net)
    load_weights(path, net)
    opath = optim_path(run, step)
    if not opath.is_file():
        raise CheckpointError(f"{opath} is missing: the optimiser state of step {step} "
                              f"(latest.json names {path.name}); the run directory is damaged")
    ometa = read_metadata(opath)
    if ometa.get("step") != step or ometa.get("config_hash") != config_hash:
        raise CheckpointError(f"{opath} does not belong to step {step} of this config")
    tensors = read_tensors(opath)
    rng = tensors.pop("torch_rng", None)
    learner.load_state_tensors({k[4:]: v for k, v in tensors.items() if k.startswith("opt.")},
                               ometa["optimizer"])
    if rng is not None:
        torch.random.set_rng_state(rng)
    return ometa

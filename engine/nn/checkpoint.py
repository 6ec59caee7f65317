"""Checkpoints: one safetensors file holding the weights, with JSON metadata in its header.

- Writes are atomic (:func:`varena.engine.atomic.write_atomic`: temp file in the same folder,
  fsync, ``os.replace``): a reader sees the previous checkpoint or the new one.
- Reads never unpickle anything: safetensors holds raw tensors, the metadata is JSON.
- Every problem (missing, truncated, not a varena checkpoint, wrong kind, wrong shapes,
  missing or unexpected weights) is a :class:`varena.engine.errors.CheckpointError` that says what
  does not match.

Metadata keys written here: ``format``, ``varena_version``, ``created``, plus what the caller
gives (for AlphaViT: ``kind``, ``config``, ``preset``, ``trained_on``, ``step``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save as st_save

from varena.engine import __version__
from varena.engine.atomic import write_atomic
from varena.engine.bounded import is_file
from varena.engine.errors import CheckpointError

FORMAT = "varena-checkpoint/1"
META_KEY = "varena"
# numpy's PCG64 state (saved by varena train for --resume) holds 128-bit integers: 39 digits
MAX_INT_DIGITS = 40


def save_checkpoint(path: str | os.PathLike, module: torch.nn.Module, metadata: dict[str, Any]) -> Path:
    """Write ``module``'s weights and ``metadata`` (JSON-serialisable) atomically to ``path``."""
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in module.state_dict().items()}
    meta = {"format": FORMAT, "varena_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **metadata}
    try:
        header = json.dumps(meta, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint metadata is not JSON-serialisable: {exc}") from None
    return write_atomic(path, st_save(tensors, metadata={META_KEY: header}))


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON metadata of a checkpoint (cheap: reads the header only)."""
    path = _existing(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get(META_KEY)
    except Exception as exc:  # safetensors raises its own error types for bad files
        raise CheckpointError(f"{path}: not a readable safetensors file "
                              f"(truncated or corrupt?): {exc}") from None
    if raw is None:
        raise CheckpointError(f"{path}: no varena metadata (not a varena checkpoint)")
    try:
        meta = json.loads(raw, parse_int=_bounded_int)
    except RecursionError:  # json recurses per nesting level: 100,000 '[' is hostile
        raise CheckpointError(f"{path}: varena metadata is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer beyond MAX_INT_DIGITS
        raise CheckpointError(f"{path}: varena metadata is not valid JSON: "
                              f"{' '.join(str(exc).split())[:200]}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise CheckpointError(f"{path}: checkpoint format {got!r}; expected {FORMAT!r}")
    return meta


def read_tensors(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Every tensor of a checkpoint, on the CPU."""
    path = _existing(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            return {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        raise CheckpointError(f"{path}: cannot read the weights (truncated or corrupt?): "
                              f"{exc}") from None


def check_weights(path: str | os.PathLike, module: torch.nn.Module) -> None:
    """Raise CheckpointError unless the checkpoint's tensor names and shapes are exactly
    ``module``'s. Reads the header only, and ``module`` may live on the ``meta`` device, so
    a config that disagrees with the weights is caught before anything large is allocated."""
    path = _existing(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            shapes = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except Exception as exc:
        raise CheckpointError(f"{path}: cannot read the weights (truncated or corrupt?): "
                              f"{exc}") from None
    _compare(path, shapes, module)


def load_weights(path: str | os.PathLike, module: torch.nn.Module) -> None:
    """Load a checkpoint's tensors into ``module``; every key and shape must match exactly."""
    tensors = read_tensors(path)
    _compare(path, {k: tuple(v.shape) for k, v in tensors.items()}, module)
    module.load_state_dict(tensors, strict=True)


def _compare(path: Path | str | os.PathLike, tensors: dict[str, tuple[int, ...]],
             module: torch.nn.Module) -> None:
    expected = module.state_dict()
    problems = []
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing:
        problems.append(f"missing weights: {_list(missing)}")
    if unexpected:
        problems.append(f"unexpected weights: {_list(unexpected)}")
    shapes = [
        f"{k} is {tensors[k]}, the network has {tuple(v.shape)}"
        for k, v in expected.items() if k in tensors and tensors[k] != tuple(v.shape)
    ]
    if shapes:
        problems.append("shape mismatch: " + _list(shapes))
    if problems:
        raise CheckpointError(f"{path}: weights do not fit the network; " + "; ".join(problems))


def _bounded_int(text: str) -> int:
    # Python refuses more than 4,300 digits with a bare ValueError; nothing needs more than 40.
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits (accepted: up to {MAX_INT_DIGITS})")
    return int(text)


def _existing(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not is_file(path):
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist or is not a file")
    return path


def _list(items: list[str], limit: int = 5) -> str:
    more = f" (and {len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more

"""Which device a network runs on, how many CPU threads torch uses, and mixed precision."""

from __future__ import annotations

import contextlib
import logging
import os

import torch

from varena.engine.errors import SpecError

log = logging.getLogger("varena.nn")

DEVICES = ("auto", "cpu", "cuda")
_THREADS_SET = False
_THREADS = 0


def resolve_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA when present, else CPU (with :func:`configure_cpu_threads`)."""
    if name not in DEVICES and not name.startswith("cuda:"):
        raise SpecError(f"unknown device {name!r}; accepted: {', '.join(DEVICES)}, cuda:N")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise SpecError(f"device {name!r} asked for, but torch sees no CUDA device")
    device = torch.device(name)
    if device.type == "cpu":
        configure_cpu_threads()
    return device


def configure_cpu_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads once per process: ``n``, else ``VARENA_TORCH_THREADS``,
    else half the CPUs this process may run on (at most 8; at least 1).

    Why half: torch's OpenMP threads meet at a barrier after every operator, so one of them
    preempted (by the search's Numba threads, another worker, another job) stalls them all.
    Measured on a loaded 2-core machine, small preset, 9x9: batch 1 took 1-2 ms with one
    thread and 20-95 ms with two; batch 64 took 35-55 ms against 170-195 ms (torch's own
    default there: two). Set ``VARENA_TORCH_THREADS`` on a machine the network has to itself."""
    global _THREADS_SET
    if n is None and _THREADS_SET:
        return keep_cpu_threads()
    if n is None:
        env = os.environ.get("VARENA_TORCH_THREADS", "")
        if env.strip():
            try:
                n = int(env)
            except ValueError:
                raise SpecError(f"VARENA_TORCH_THREADS={env!r} is not an integer") from None
        else:
            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
            n = min((cpus or 1) // 2, 8)
    global _THREADS
    n = max(1, int(n))
    torch.set_num_threads(n)
    _THREADS_SET, _THREADS = True, n
    log.debug("torch uses %d CPU threads", n)
    return n


def keep_cpu_threads() -> int:
    """Re-apply the thread count of :func:`configure_cpu_threads` if something changed it.

    Numba's OpenMP threading layer, when it starts (the search's first ``prange`` or
    ``numba.set_num_threads``), resets the OpenMP thread count that torch shares, so the
    evaluator calls this before each forward (a microsecond)."""
    if _THREADS and torch.get_num_threads() != _THREADS:
        torch.set_num_threads(_THREADS)
    return torch.get_num_threads()


def autocast(device: torch.device, enabled: bool = True) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA (when enabled); a no-op on CPU, where bf16 matmuls are slower."""
    if enabled and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()

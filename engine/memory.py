"""How much memory a big allocation may take: checked once before allocating, never after.

Budgets a user sets (a search's node pool, the trees of many games, a replay window) are
compared with :func:`allowance` before anything is allocated, so ``nodes=2147483647`` is one
line naming the bytes it would take, not gigabytes touched and then a MemoryError.
"""

from __future__ import annotations

import os

#: Share of the memory available now that one budget may claim (the rest: the process's
#: other needs, other processes, the page cache).
FRACTION = 0.5
_FALLBACK = 4 << 30  # when the system says nothing


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """What a cgroup v2 memory limit leaves (containers), None when there is none."""
    try:
        with open("/sys/fs/cgroup/memory.max", "rb") as f:
            raw = f.read().strip()
        if raw == b"max":
            return None
        with open("/sys/fs/cgroup/memory.current", "rb") as f:
            current = int(f.read().strip())
        return max(0, int(raw) - current)
    except (OSError, ValueError):
        return None


def available() -> int:
    """Bytes of memory available now: MemAvailable (else free physical pages), within a
    cgroup's limit."""
    room = _meminfo_available()
    if room is None:
        try:
            room = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            room = _FALLBACK
    group = _cgroup_room()
    return min(room, group) if group is not None else room


def allowance() -> int:
    """Bytes one budget may take: :data:`FRACTION` of :func:`available`."""
    return int(available() * FRACTION)


def human(n: float) -> str:
    """``n`` bytes, e.g. '96.0 GiB'."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")

"""Worker processes that die with their parent.

A tournament, SPRT or training run killed with SIGKILL cannot clean up: its worker
processes would go on playing for ever and hold the results folder. Each worker calls
:func:`watch_parent` first: on Linux the kernel sends it SIGKILL when its parent dies
(``PR_SET_PDEATHSIG``), and everywhere a daemon thread notices that its parent is gone (the
parent id changes) and ends the process within a fraction of a second.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

log = logging.getLogger("varena.lifeline")

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.25


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when the thread that started it dies
    (Linux only; False elsewhere or when prctl is unavailable)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig)) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int | None = None, poll: float = POLL_SECONDS) -> None:
    """End this process (exit code 1) as soon as its parent has died.

    ``parent`` is the parent's pid, by default the current one; if it is already gone the
    process ends at once.
    """
    parent = os.getppid() if parent is None else parent
    set_parent_death_signal()
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent:  # re-parented: the parent is gone
                os._exit(1)

    threading.Thread(target=watch, name="varena-lifeline", daemon=True).start()

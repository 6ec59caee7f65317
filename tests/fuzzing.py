"""Shared pieces of the hostile-input tests: a seeded byte mutator and the two budgets.

Every surface has a fast fuzz test in the default run (a few dozen examples, seconds) and a
long one marked ``fuzz`` (and ``slow``; CI runs both) that throws thousands of inputs.
``VARENA_FUZZ_EXAMPLES`` raises the long budget for a soak run.
"""

from __future__ import annotations

import os
import random

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, database=None, derandomize=True,
               suppress_health_check=list(HealthCheck))
FAST = settings(max_examples=40, **_COMMON)
LONG = settings(max_examples=int(os.environ.get("VARENA_FUZZ_EXAMPLES", "1500")), **_COMMON)
#: For surfaces where one example starts a process (external engines, CLI runs).
FAST_PROCESS = settings(max_examples=8, **_COMMON)
LONG_PROCESS = settings(max_examples=max(1, LONG.max_examples // 16), **_COMMON)
#: For surfaces where one example copies a folder and runs a CLI command (results database).
LONG_IO = settings(max_examples=max(1, LONG.max_examples // 5), **_COMMON)

#: Tokens that broke parsers before: huge and foreign digits, NUL, invalid UTF-8, specials.
NASTY = ["9" * 5000, "-" + "9" * 30, "١٢", "²", "0x10", "1e999", "nan", "inf", "-0", "",
         "\x00", "\udcff", "\ufffd", "\u202e", "[", "]", "(", ")", ";", "\\", ":", ",", "=",
         "#", "\t", "\r", "-1", "2147483648", "1.5", "EOF"]


def mutate(data: bytes, rng: random.Random, rounds: int = 4) -> bytes:
    """``data`` with a few random byte-level edits (flip, insert, delete, splice, repeat)."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, rounds)):
        op = rng.randrange(6)
        i = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(i, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            buf[i:i] = rng.choice(NASTY).encode("utf-8", "surrogatepass")
        elif op == 2 and buf:
            del buf[i:i + rng.randint(1, 16)]
        elif op == 3 and buf:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j:j + rng.randint(1, 64)]
        elif op == 4 and buf:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j:j + rng.randint(1, 8)] * rng.randint(2, 200)
        else:
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(buf)

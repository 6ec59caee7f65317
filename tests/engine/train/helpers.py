"""A tiny tic-tac-toe training config for the tests (seconds, not minutes)."""

from __future__ import annotations

TINY = """
solver = "alphavit"
seed = 3

[games]
"gomoku:size=3,k=3" = 1.0

[network]
d_model = 16
heads = 2
ff = 32
enc_layers = 1

[selfplay]
games_in_flight = 8
sims = 4
gumbel_m = 4
{selfplay}

[buffer]
window = 2000
shard_positions = 16
min_positions = 32
{buffer}

[learner]
batch_size = 16
warmup_steps = 2
samples_per_position = {spp}

[checkpoint]
every = {every}

[metrics]
every = 2
{extra}
"""


def tiny(selfplay: str = "", buffer: str = "", spp: float = 2.0, every: int = 4, extra: str = "") -> str:
    return TINY.format(selfplay=selfplay, buffer=buffer, spp=spp, every=every, extra=extra)

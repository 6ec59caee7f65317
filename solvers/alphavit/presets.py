"""Network configurations: the paper's sizes and a small one for CPU self-play (no torch here)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from varena.engine.errors import CheckpointError

ARCHS = ("vit", "vid", "vda")
POSITION_MODES = ("grid", "relative")
# Accepted sizes: a checkpoint's config builds the network before its weights are read, so
# zero, negative or absurd values (corrupt or hand-edited metadata) must stop here, not as
# a ZeroDivisionError or a torch allocation error.
SIZE_RANGES = {"d_model": (1, 8192), "heads": (1, 256), "ff": (1, 65536), "enc_layers": (0, 256),
               "dec_layers": (0, 256), "grid": (1, 256), "max_features": (1, 4096),
               "max_globals": (0, 4096), "max_special": (0, 4096), "action_queries": (1, 65536)}


@dataclass(frozen=True, slots=True)
class NetConfig:
    """Everything that fixes a network's shapes; stored in every checkpoint.

    - ``arch``: ``vit`` (encoder, per-token policy), ``vid`` (encoder + decoder whose queries
      are the resized encoder outputs), ``vda`` (decoder with learned action queries).
    - ``enc_layers``/``dec_layers``: transformer depth (``dec_layers`` unused by ``vit``).
    - ``positions``: ``grid`` (learned ``grid x grid`` embeddings resized bilinearly to the
      board) or ``relative`` (an MLP over (dy, dx) giving an attention bias per head and layer,
      CrossFormer's dynamic position bias; nothing is resized).
    - ``max_features``/``max_globals``: games' token features and global inputs are zero-padded
      to these widths so that one stem serves every game.
    - ``max_special``: learned tokens for actions without a token of their own (pass; the
      columns of Connect Four, up to 15).
    - ``action_queries``: number of learned action embeddings of ``vda`` (resized to A).
    - ``games``: the game names the network has an embedding for (index = game id).
    """

    arch: str = "vit"
    d_model: int = 64
    heads: int = 4
    ff: int = 128
    enc_layers: int = 2
    dec_layers: int = 1
    dropout: float = 0.0
    positions: str = "grid"
    grid: int = 16
    max_features: int = 8
    max_globals: int = 16
    max_special: int = 16
    action_queries: int = 256
    games: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.arch not in ARCHS:
            raise CheckpointError(f"unknown architecture {self.arch!r}; accepted: {', '.join(ARCHS)}")
        if self.positions not in POSITION_MODES:
            raise CheckpointError(f"unknown position mode {self.positions!r}; "
                                  f"accepted: {', '.join(POSITION_MODES)}")
        for name, (low, high) in SIZE_RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise CheckpointError(f"network config {name}={value} is not accepted; "
                                      f"accepted: {low}..{high}")
        if not 0.0 <= self.dropout < 1.0:
            raise CheckpointError(f"network config dropout={self.dropout} is not accepted; "
                                  "accepted: 0 <= dropout < 1")
        if self.d_model % self.heads:
            raise CheckpointError(f"d_model={self.d_model} is not a multiple of heads={self.heads}")
        if not self.games:
            raise CheckpointError("a network needs at least one game name in 'games'")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["games"] = list(self.games)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetConfig:
        """Rebuild from :meth:`to_dict`; unknown or ill-typed keys raise CheckpointError."""
        if not isinstance(data, dict):
            raise CheckpointError("network config is not a JSON object")
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise CheckpointError(f"network config has unknown keys: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            default = getattr(cls(games=("x",)), name)
            if name == "games":
                if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
                    raise CheckpointError("network config 'games' is not a list of names")
                value = tuple(value)
            elif type(value) is not type(default) and not (
                isinstance(default, float) and isinstance(value, int)
            ):
                raise CheckpointError(f"network config {name!r}={value!r} should be "
                                      f"{type(default).__name__}")
            values[name] = value
        return cls(**values)


#: ``paper``: Fujita 2024 (d=512, 8 heads, FF 1024, dropout 0.1; 4 encoder layers for ViT,
#: 1 + 1 for ViD/VDA). ``small``: for CPU self-play and tests (same FF = 2d ratio, d=64).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "paper": {
        "vit": dict(d_model=512, heads=8, ff=1024, enc_layers=4, dec_layers=0, dropout=0.1),
        "vid": dict(d_model=512, heads=8, ff=1024, enc_layers=1, dec_layers=1, dropout=0.1),
        "vda": dict(d_model=512, heads=8, ff=1024, enc_layers=1, dec_layers=1, dropout=0.1),
    },
    "small": {
        "vit": dict(d_model=64, heads=4, ff=128, enc_layers=2, dec_layers=0, dropout=0.0),
        "vid": dict(d_model=64, heads=4, ff=128, enc_layers=1, dec_layers=1, dropout=0.0),
        "vda": dict(d_model=64, heads=4, ff=128, enc_layers=1, dec_layers=1, dropout=0.0),
    },
}


def make_config(arch: str, preset: str, games: tuple[str, ...] | list[str], **overrides: Any) -> NetConfig:
    """The config of ``preset`` for ``arch`` over ``games``, with ``overrides`` applied."""
    if preset not in PRESETS:
        raise CheckpointError(f"unknown preset {preset!r}; accepted: {', '.join(PRESETS)}")
    if arch not in ARCHS:
        raise CheckpointError(f"unknown architecture {arch!r}; accepted: {', '.join(ARCHS)}")
    values = dict(PRESETS[preset][arch])
    values.update(overrides)
    return NetConfig(arch=arch, games=tuple(games), **values)

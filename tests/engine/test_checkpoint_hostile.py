"""Hostile checkpoints: damaged bytes or edited metadata are one CheckpointError, never a
RecursionError, ValueError or a crash of the safetensors reader; nothing is ever unpickled."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import given, strategies as st
from safetensors.torch import save as st_save

from tests.fuzzing import FAST, LONG, mutate
from varena.engine.errors import CheckpointError
from varena.engine.nn.checkpoint import (
    FORMAT,
    META_KEY,
    check_weights,
    load_weights,
    read_metadata,
    save_checkpoint,
)


def _module() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))


def _with_header(tmp_path, header: str):
    path = tmp_path / "c.safetensors"
    tensors = {k: v.contiguous() for k, v in _module().state_dict().items()}
    path.write_bytes(st_save(tensors, metadata={META_KEY: header}))
    return path


@pytest.mark.parametrize("header, fragment", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"format": "' + FORMAT + '", "step": ' + "9" * 5000 + "}", "5000 digits"),
    ('{"format": "' + FORMAT + '", "step": 1', "not valid JSON"),
    ("[1, 2]", "checkpoint format 'list'"),
])
def test_hostile_metadata_is_one_error(tmp_path, header, fragment):
    with pytest.raises(CheckpointError, match=fragment):
        read_metadata(_with_header(tmp_path, header))


def _check_file(path) -> None:
    module = _module()
    for call in (lambda: read_metadata(path), lambda: check_weights(path, module),
                 lambda: load_weights(path, module)):
        try:
            call()
        except CheckpointError as exc:
            assert "\n" not in str(exc).strip() or "weights" in str(exc)


@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("ck") / "good.safetensors"
    save_checkpoint(path, _module(), {"kind": "test", "config": {"a": [1, 2.5, "x"]}})
    return path.read_bytes()


@FAST
@given(st.randoms(use_true_random=False))
def test_checkpoint_bytes_fuzz(tmp_path_factory, good_bytes, rng):
    path = tmp_path_factory.mktemp("f") / "m.safetensors"
    path.write_bytes(mutate(good_bytes, rng, rounds=6))
    _check_file(path)


@pytest.mark.slow
@pytest.mark.fuzz
@LONG
@given(st.randoms(use_true_random=False))
def test_checkpoint_bytes_fuzz_long(tmp_path_factory, good_bytes, rng):
    path = tmp_path_factory.mktemp("f") / "m.safetensors"
    path.write_bytes(mutate(good_bytes, rng, rounds=10))
    _check_file(path)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


@FAST
@given(JSON, st.randoms(use_true_random=False))
def test_checkpoint_metadata_fuzz(tmp_path_factory, value, rng):
    header = json.dumps({"format": FORMAT, "config": value})
    path = _with_header(tmp_path_factory.mktemp("h"), mutate(header.encode(), rng)
                        .decode("utf-8", "replace"))
    _check_file(path)

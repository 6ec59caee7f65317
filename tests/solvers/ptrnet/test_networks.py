"""Pointer networks: shapes on any n, masks, permutation equivariance of the set encoder."""

from __future__ import annotations

import pytest
import torch

from varena.engine.errors import CheckpointError
from varena.solvers.ptrnet.networks import NetConfig

from .helpers import ARCHS, net


@pytest.mark.parametrize("index", [False, True])
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("n", [1, 3, 17, 60])
def test_shapes_on_any_n(arch, n, index):
    m = net(arch, index_feature=index)
    x = torch.rand(4, n, 2)
    enc = m.encode(x)
    st = m.start(enc)
    mask = torch.ones(4, n + 1, dtype=torch.bool)
    mask[:, 0] = False
    lg = m.logits(enc, st, mask)
    assert lg.shape == (4, n + 1)
    assert torch.isinf(lg[:, 0]).all() and torch.isfinite(lg[:, 1:]).all()
    st = m.advance(enc, st, torch.full((4,), n, dtype=torch.long))  # the end token works too
    assert m.logits(enc, st, mask).shape == (4, n + 1)


@pytest.mark.parametrize("arch", ARCHS)
def test_rows_with_nothing_legal_stay_finite(arch):
    m = net(arch)
    enc = m.encode(torch.rand(2, 5, 2))
    lg = m.logits(enc, m.start(enc), torch.zeros(2, 6, dtype=torch.bool))
    assert not torch.isnan(torch.log_softmax(lg, dim=1)).any()


def test_attention_encoder_is_permutation_equivariant():
    m = net("attention", layers=2)
    x = torch.rand(3, 12, 2)
    perm = torch.randperm(12)
    mask = torch.ones(3, 13, dtype=torch.bool)
    with torch.no_grad():
        a = m.logits(e := m.encode(x), m.start(e), mask)
        b = m.logits(e2 := m.encode(x[:, perm]), m.start(e2), mask)
    torch.testing.assert_close(b[:, :12], a[:, perm], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(b[:, 12], a[:, 12], rtol=1e-4, atol=1e-5)  # end token


def test_lstm_reads_in_order():
    """The paper's encoder is an LSTM over the sequence: order changes its output."""
    m = net("lstm")
    x = torch.rand(1, 8, 2)
    perm = torch.arange(7, -1, -1)
    mask = torch.ones(1, 9, dtype=torch.bool)
    with torch.no_grad():
        a = m.logits(e := m.encode(x), m.start(e), mask)
        b = m.logits(e2 := m.encode(x[:, perm]), m.start(e2), mask)
    assert not torch.allclose(b[:, :8], a[:, perm])


def test_bad_network_configs():
    with pytest.raises(CheckpointError, match="arch"):
        NetConfig.from_dict({"arch": "gru"})
    with pytest.raises(CheckpointError, match="multiple of heads"):
        NetConfig.from_dict({"arch": "attention", "d": 10, "heads": 4})
    with pytest.raises(CheckpointError, match="unknown network config keys"):
        NetConfig.from_dict({"arch": "lstm", "depth": 3})


def test_the_index_feature_lets_the_set_encoder_see_the_order():
    """Hull and Delaunay labels are ordered by index: with the feature, a permutation of
    the input is no longer just a permutation of the output."""
    m = net("attention", index_feature=True)
    x = torch.rand(1, 8, 2)
    perm = torch.arange(7, -1, -1)
    mask = torch.ones(1, 9, dtype=torch.bool)
    with torch.no_grad():
        a = m.logits(e := m.encode(x), m.start(e), mask)
        b = m.logits(e2 := m.encode(x[:, perm]), m.start(e2), mask)
    assert not torch.allclose(b[:, :8], a[:, perm])


def test_index_feature_defaults_follow_the_problem():
    from varena.solvers.ptrnet.config import SUPERVISED, check_config

    for problem, want in (("tsp", False), ("convex_hull", True), ("delaunay", True)):
        cfg = check_config({"problem": problem, "sizes": [6]}, "supervised", SUPERVISED)
        assert cfg.net_config().index_feature is want
    cfg = check_config({"problem": "delaunay", "sizes": [6], "index_feature": False},
                       "supervised", SUPERVISED)
    assert cfg.net_config().index_feature is False

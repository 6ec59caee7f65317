"""Shared fixtures: fake plugin distributions that the host discovers like installed ones."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from varena.engine.host import Host, reset_host


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """Return ``add(dist, source, ep_name=None, module=None)`` that installs a fake plugin.

    Each call writes a module and a ``<dist>.dist-info`` with an entry point in the
    ``varena`` group into a directory on sys.path, exactly what pip leaves behind.
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    for var in ("VARENA_STRICT_PLUGINS", "VARENA_BLOCK_PLUGINS", "VARENA_LOAD_PLUGINS"):
        monkeypatch.delenv(var, raising=False)
    created: list[str] = []

    def add(dist: str, source: str, ep_name: str | None = None, module: str | None = None) -> str:
        module = module or dist.replace("-", "_")
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{dist.replace('-', '_')}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(f"[varena]\n{ep_name or dist} = {module}\n")
        created.append(module)
        importlib.invalidate_caches()
        return module

    yield add
    for module in created:
        sys.modules.pop(module, None)
    reset_host()


@pytest.fixture
def host_factory(plugin_dir):
    """A fresh Host over the real environment plus the fake plugins made so far."""

    def make(**env: str) -> Host:
        return Host(env=env)

    return make


def pytest_configure(config):
    Path(config.rootpath, ".hypothesis").mkdir(exist_ok=True)

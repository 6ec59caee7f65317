"""The distribution installs one top-level package, ``varena``, holding every source folder."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tomllib
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FOLDERS = ("engine", "games", "solvers", "tournaments")


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_listed_under_varena():
    listed = set(_config()["packages"])
    found = set()
    for top in FOLDERS:
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT).parts
            found.add(".".join(("varena", *rel)))
    assert found - listed == set(), f"package folders missing from pyproject.toml: {found - listed}"
    assert listed - found == set(), f"listed packages with no folder: {listed - found}"


def test_folders_map_into_the_varena_namespace():
    mapping = _config()["package-dir"]
    assert mapping == {f"varena.{f}": f for f in FOLDERS}
    assert all(p.startswith("varena.") for p in _config()["packages"])


def test_installed_modules_import_as_varena():
    import varena.engine.api as api

    assert pathlib.Path(api.__file__).resolve() == ROOT / "engine" / "api.py"


@pytest.mark.slow
def test_built_wheel_holds_one_top_level_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("varena-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"varena"}, tops
    assert "varena/engine/api.py" in names and "varena/tournaments/quick.toml" in names
    assert "varena/solvers/alphavit/checkpoints/gomoku_go.safetensors" in names  # shipped network

"""Markers these tests use (so they also run outside varena's source tree), and a skip
with the reason when the distribution is not installed: the tests import the installed
package, never this source folder, so an edit needs a reinstall to be tested."""

import importlib.util

import pytest

if importlib.util.find_spec("varena_connect4") is None:
    pytest.skip("varena-connect4 is not installed: pip install ./plugins/varena-connect4", allow_module_level=True)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "openspiel: needs the open-spiel package")

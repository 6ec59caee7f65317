"""Markers these tests use, so they also run outside varena's source tree."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "openspiel: needs the open-spiel package")

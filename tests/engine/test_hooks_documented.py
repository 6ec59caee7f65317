"""Keep the plugin API honest: every hook is documented and exercised by a test."""

from pathlib import Path

import pytest

from varena.engine import hooks

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(n for n in dir(hooks) if n.startswith("varena_"))


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    assert f"`{hook}(" in (ROOT / "docs" / "PLUGINS.md").read_text()
    assert getattr(hooks, hook).__doc__


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    text = "".join(p.read_text() for p in (ROOT / "tests" / "engine").glob("*.py"))
    assert f"def {hook}(" in text

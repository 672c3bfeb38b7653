"""Every hook is documented in docs/plugins.md and has its own test (as datasette does)."""

import inspect
import re
from pathlib import Path

import pytest
from vats.core import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "vats_spec"))


def test_there_are_hooks() -> None:
    assert "tenant_created" in HOOKS and "register_migrations" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook: str) -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text()
    section = re.search(rf"^### {hook}\n(.*?)(?=^#{{2,3}} |\Z)", docs, re.M | re.S)
    assert section, f"docs/plugins.md has no '### {hook}' section"
    body = section.group(1)
    assert f"`{hook}(" in body, "the section must give the signature"
    assert "```python" in body, "the section must give an example"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook: str) -> None:
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    assert re.search(rf"def test_hook_{hook}\b", tests), f"no test named test_hook_{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hookspec_has_types_and_docstring(hook: str) -> None:
    fn = getattr(hookspecs, hook)
    assert fn.__doc__ and len(fn.__doc__.strip()) > 40
    sig = inspect.signature(fn)
    assert sig.return_annotation is not inspect.Signature.empty
    assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values())

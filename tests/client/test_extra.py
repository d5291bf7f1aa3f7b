"""Without httpx or httpx-sse, importing the client says what to install."""

from __future__ import annotations

import importlib
import sys

import pytest

import langgraph_sse  # noqa: F401  (its own imports may use httpx: done before it goes)


@pytest.mark.parametrize("missing", ["httpx", "httpx_sse"])
def test_a_missing_dependency_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    for name in [m for m in sys.modules if m.startswith("langgraph_sse.client")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(ImportError, match=r'pip install "langgraph-sse\[client\]"') as error:
        importlib.import_module("langgraph_sse.client")
    assert error.value.name == missing

"""The tree's layers import downward only, and the core imports no web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import langgraph_sse

PACKAGE = Path(langgraph_sse.__file__).parent
FRAMEWORKS = ("starlette", "fastapi", "sse_starlette")
# What each layer may import of the package's other layers.
ALLOWED = {
    "core": {"core", "security"},
    "security": {"core", "security"},
    "http": {"core", "security", "http"},
    "protocols": {"core", "security", "http", "protocols"},
    "adapters": {"core", "security", "http", "protocols", "adapters"},
}


def runtime_imports(path: Path) -> list[str]:
    """The modules `path` imports when it runs (not those under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text())
    checked_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for statement in block.body
        for node in ast.walk(statement)
    }
    names = []
    for node in ast.walk(tree):
        if id(node) in checked_only:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_import_downward_only(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    for path in files:
        for name in runtime_imports(path):
            parts = name.split(".")
            if parts[0] == "langgraph_sse":
                assert len(parts) > 1 and parts[1] in ALLOWED[layer], f"{path.name}: {name}"
            if layer in ("core", "security"):
                assert parts[0] not in FRAMEWORKS, f"{path.name} imports {name}"


def test_only_the_fastapi_adapter_imports_fastapi() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name != "fastapi.py":
            assert "fastapi" not in [n.split(".")[0] for n in runtime_imports(path)], path

"""Every Python block of the docs (```python in README.md and docs/*.md) type-checks
with mypy against the library's public API.

Each block becomes a module of its own (indented blocks inside tabs and
admonitions dedented), and one mypy run checks them all: not `--strict` (a
snippet is prose, its functions may go unannotated), but with
`--check-untyped-defs`, so that a wrong name, a wrong argument name or a wrong
type against langgraph_sse fails. `--ignore-missing-imports` lets placeholders
such as `my_project.agent` pass (as `Any`); top-level `await` is allowed.

A block made only of `pymdownx.snippets` includes (`--8<-- "examples/..."`) is
left out: it pulls a real file, which is tested where it lives. A block that
cannot stand alone (a fragment continuing the block before, a call shown wrong
on purpose) is marked in the page by the comment `<!-- not-checked: reason -->`
on the line before its fence; the test counts those and keeps their list short.
Every error names the page and the line of the page it was found on. Exempt blocks
must still compile.

The blocks that need no placeholder, server, network or environment are also run,
as written, from the repository root. mypy's cache is kept in
`~/.cache/langgraph-sse-docs-mypy`: about 45 s cold, 2 s warm.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?:python|py)\b(?P<info>[^\n]*)$")
_NOT_CHECKED = re.compile(r"^\s*<!--\s*not-checked:\s*(?P<reason>.*?)\s*-->\s*$")
_INCLUDE = re.compile(r"^\s*--8<--")
_MYPY_LINE = re.compile(r"^(?P<file>[^:\s]+\.py):(?P<line>\d+):(?P<rest>.*)$")
_TOP_LEVEL_ASYNC = re.compile(r'error: "async (for|with)" outside async function')
"""mypy's word for a top-level `async for`/`async with` (allowed in a snippet, as in
`python -m asyncio`); one inside a plain `def` fails `compile()` first."""

MYPY_FLAGS = [
    "--ignore-missing-imports",
    "--follow-imports=silent",
    "--python-version=3.11",
    "--check-untyped-defs",
    "--no-error-summary",
    "--show-error-codes",
    "--disable-error-code=top-level-await",
]

_NOT_RUNNABLE = re.compile(
    r"my_project|my_app|://|os\.environ|asyncio\.run|^(await|async for|async with) |interrupt\("
    r"|langgraph_sdk|slowapi",
    flags=re.M,
)
"""What keeps a block from running here: a placeholder import, a server or a URL, the
environment, an interrupt (only inside a run), a package the project does not install."""

_RUN = """
import json, sys, traceback
failed = []
for where, code in json.load(sys.stdin):
    try:
        exec(compile(code, where, "exec"), {"__name__": "__snippet__"})
    except BaseException:
        failed.append(where + ": " + traceback.format_exc(limit=-1))
print(json.dumps(failed))
"""
"""Runs each block given on stdin in a namespace of its own; prints the failures."""

MAX_NOT_CHECKED = 5
"""The blocks a page may exempt; above it, make snippets whole instead."""


@dataclass(frozen=True)
class Block:
    """One ```python block: where it is, its code (dedented), and the reason the
    page gives for not checking it, if any."""

    page: str
    line: int
    """The 1-based line of the page the block's code starts on (after the fence)."""
    code: str
    not_checked: str | None = None

    @property
    def included(self) -> bool:
        """Only `--8<--` includes: real files, tested where they live."""
        lines = [line for line in self.code.splitlines() if line.strip()]
        return bool(lines) and all(_INCLUDE.match(line) for line in lines)

    @property
    def module(self) -> str:
        stem = re.sub(r"\W", "_", Path(self.page).stem.lower())
        return f"snippet_{stem}_{self.line}"

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(pages: list[Path] = PAGES, root: Path = ROOT) -> list[Block]:
    """Every ```python block of `pages`, indented ones too, in page order."""
    found = []
    for page in pages:
        lines = page.read_text().splitlines()
        name = page.relative_to(root).as_posix()
        i = 0
        while i < len(lines):
            fence = _FENCE.match(lines[i])
            if fence is None:
                i += 1
                continue
            indent, start = fence["indent"], i + 1
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            body = [
                line[len(indent) :] if line.startswith(indent) else line.lstrip()
                for line in lines[start:end]
            ]
            before = i - 1
            while before >= 0 and not lines[before].strip():
                before -= 1
            marker = _NOT_CHECKED.match(lines[before]) if before >= 0 else None
            found.append(
                Block(
                    page=name,
                    line=start + 1,
                    code="\n".join(body) + "\n",
                    not_checked=marker["reason"] if marker else None,
                )
            )
            i = end + 1
    return found


def checked(found: list[Block]) -> list[Block]:
    return [b for b in found if not b.included and b.not_checked is None]


def type_check(found: list[Block], work: Path) -> list[str]:
    """The errors of `found`, each as `page:line: error: ...` naming the page's line.

    Blocks are compiled first (top-level `await`, `async for` and `async with`
    allowed): a syntax error is reported as such and its block kept out of the mypy
    run (mypy stops at the first file it cannot parse)."""
    errors: list[str] = []
    modules: dict[str, Block] = {}
    for block in found:
        error = syntax_error(block)
        if error is not None:
            errors.append(error)
            continue
        (work / f"{block.module}.py").write_text(block.code)
        modules[f"{block.module}.py"] = block
    if not modules:
        return errors
    # An empty config, so that the project's (strict) one in the working directory
    # is not read; the cache persists between runs, for speed.
    config = work / "mypy.ini"
    config.write_text("[mypy]\n")
    cache = Path.home() / ".cache" / "langgraph-sse-docs-mypy"
    out, err, status = mypy_api.run(
        [
            *MYPY_FLAGS,
            f"--config-file={config}",
            f"--cache-dir={cache}",
            *(str(work / name) for name in modules),
        ]
    )
    for line in out.splitlines():
        if _TOP_LEVEL_ASYNC.search(line):
            continue
        match = _MYPY_LINE.match(line)
        block = modules.get(Path(match["file"]).name) if match else None
        if match is None or block is None:
            errors.append(line)
            continue
        errors.append(f"{block.page}:{block.line + int(match['line']) - 1}:{match['rest']}")
    if status not in (0, 1) or err.strip():
        errors.append(f"mypy exited {status}: {err.strip()}")
    elif status == 1 and not out.strip():
        errors.append("mypy exited 1 with no error shown")
    return errors


def syntax_error(block: Block) -> str | None:
    """`page:line: error: syntax: ...` if the block does not compile."""
    try:
        compile(block.code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as error:
        return f"{block.page}:{block.line + (error.lineno or 1) - 1}: error: syntax: {error.msg}"
    return None


def test_the_docs_have_python_to_check() -> None:
    found = blocks()
    pages = {b.page for b in found}
    assert {"README.md", "docs/index.md", "docs/adapters.md", "docs/chat-page.md"} <= pages
    assert len(checked(found)) >= 30
    # Indented blocks (tabs) are found, dedented.
    assert any(b.page == "docs/chat-page.md" and b.code.startswith("from") for b in found)


def test_few_blocks_are_exempted_and_each_says_why() -> None:
    exempt = [b for b in blocks() if b.not_checked is not None]
    assert all(b.not_checked for b in exempt), [b.where for b in exempt if not b.not_checked]
    assert len(exempt) <= MAX_NOT_CHECKED, "\n".join(f"{b.where}: {b.not_checked}" for b in exempt)


def test_the_exempted_blocks_are_python_all_the_same() -> None:
    exempt = [b for b in blocks() if b.not_checked is not None]
    errors = [error for b in exempt if (error := syntax_error(b)) is not None]
    assert not errors, "\n".join(errors)


def test_every_python_block_of_the_docs_type_checks(tmp_path: Path) -> None:
    errors = type_check(checked(blocks()), tmp_path)
    assert not errors, "mypy found errors in the docs' Python blocks:\n" + "\n".join(errors)


def test_the_self_contained_blocks_run() -> None:
    """Blocks with no placeholder, server, network or environment run as written
    (from the repository root, so that `examples.*` imports), in one interpreter."""
    runnable = [b for b in checked(blocks()) if not _NOT_RUNNABLE.search(b.code)]
    assert len(runnable) >= 4, [b.where for b in runnable]
    result = subprocess.run(
        [sys.executable, "-c", _RUN],
        input=json.dumps([(b.where, b.code) for b in runnable]),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    failed = json.loads(result.stdout.splitlines()[-1])
    assert not failed, "\n".join(failed)


def _page(tmp_path: Path, text: str) -> list[Block]:
    page = tmp_path / "page.md"
    page.write_text(text)
    return blocks([page], tmp_path)


def test_blocks_are_found_dedented_and_marked(tmp_path: Path) -> None:
    found = _page(
        tmp_path,
        'Text.\n\n=== "Tab"\n\n    ```python\n    import os\n\n    print(os.sep)\n    ```\n\n'
        "<!-- not-checked: continues the block above -->\n\n```python\nos.sep\n```\n\n"
        '```python\n--8<-- "examples/x.py"\n```\n',
    )
    assert [(b.line, b.code, b.not_checked, b.included) for b in found] == [
        (6, "import os\n\nprint(os.sep)\n", None, False),
        (14, "os.sep\n", "continues the block above", False),
        (18, '--8<-- "examples/x.py"\n', None, True),
    ]
    assert checked(found) == found[:1]


def test_a_wrong_snippet_fails_naming_its_page_and_line(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    found = _page(
        docs,
        "Text.\n\n```python\nfrom langgraph_sse import make_router\n"
        "from my_project.agent import graph\n\n"
        'router = make_router(graph, prefix="/v1")\n'
        'wrong = make_router(graph, prefixx="/v1")\n```\n\n'
        '!!! note\n    ```python\n    count: int = "three"\n    ```\n\n'
        "```python\ndef broken(:\n```\n",
    )
    work = tmp_path / "work"
    work.mkdir()
    errors = [e for e in type_check(found, work) if ": note: " not in e]
    assert len(errors) == 3, errors
    errors.sort(key=lambda e: int(e.split(":")[1]))
    assert errors[0].startswith("page.md:8: error: Unexpected keyword argument")
    assert '"prefixx"' in errors[0]
    assert errors[1].startswith("page.md:13: error: Incompatible types in assignment")
    assert errors[2].startswith("page.md:17: error: syntax:")


pytestmark = pytest.mark.timeout(120)

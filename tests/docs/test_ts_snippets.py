"""Every TypeScript block of the docs (```ts / ```typescript in docs/*.md)
type-checks with `tsc --strict --noEmit`.

Each block becomes a module of its own: the file its `title="..."` names (so that
`import ... from "./sse-client"` finds the block titled `sse-client.ts`), else
`<page>-<n>.ts`; the shipped modules' types (`langgraph_sse/static/*.d.ts`) lie
beside them, for blocks that import `./langgraph-sse.js`. TypeScript and the packages the blocks import come from
`tests/docs/ts/package.json`, installed by `tests/npm.py` into its cache (the test
skips with the reason where node or npm is missing or the install fails).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.npm import node_modules

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGE_JSON = Path(__file__).resolve().parent / "ts" / "package.json"
STATIC = ROOT / "src" / "langgraph_sse" / "static"
"""The shipped ES modules: a block may import `./langgraph-sse.js`, typed by its `.d.ts`."""

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>ts|typescript)\b(?P<info>[^\n]*)$")
_TITLE = re.compile(r'title="(?P<title>[^"]+)"')

TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "noEmit": True,
        "target": "es2022",
        "module": "esnext",
        "moduleResolution": "bundler",
        "lib": ["es2022", "dom", "dom.iterable"],
        "types": [],
        "skipLibCheck": True,
    },
    "include": ["*.ts"],
}


@dataclass(frozen=True)
class Snippet:
    """One TypeScript block of a page."""

    page: str
    line: int
    filename: str
    code: str


def snippets(docs: Path = DOCS) -> list[Snippet]:
    """Every ```ts/```typescript block of `docs/*.md`, indented ones (admonitions,
    tabs) too, dedented."""
    found = []
    for page in sorted(docs.glob("*.md")):
        lines = page.read_text().splitlines()
        i, count = 0, 0
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
                line[len(indent) :] if line.startswith(indent) else line
                for line in lines[start:end]
            ]
            count += 1
            title = _TITLE.search(fence["info"])
            filename = title["title"] if title else f"{page.stem}-{count}.ts"
            found.append(Snippet(page.name, start, filename, "\n".join(body) + "\n"))
            i = end + 1
    return found


def test_the_docs_have_typescript_to_check() -> None:
    found = snippets()
    assert any(s.filename == "sse-client.ts" for s in found)
    assert {s.page for s in found} >= {"clients.md"}
    assert len({s.filename for s in found}) == len(found), "two blocks with one file name"


# Pages whose TypeScript is known not to compile yet, and why: checked all the same
# (a page fixed passes as XPASS; then drop it from here).
KNOWN_BROKEN: dict[str, str] = {}


def pages() -> list[object]:
    names = sorted({s.page for s in snippets()})
    return [
        pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_BROKEN[name], strict=False))
        if name in KNOWN_BROKEN
        else name
        for name in names
    ]


@pytest.mark.parametrize("page", pages())
def test_the_typescript_blocks_of_a_page_type_check_with_strict_tsc(page: str) -> None:
    """One tsc run per page (a syntax error in one file hides every semantic
    error of the others from tsc), with the titled blocks of every page beside,
    as the files its blocks may import."""
    modules = node_modules(PACKAGE_JSON)
    tsc = modules / "typescript" / "bin" / "tsc"
    node = shutil.which("node")
    assert node is not None  # node_modules() skipped otherwise
    checked = [s for s in snippets() if s.page == page or _titled(s)]
    # Inside the install, so that the blocks' imports resolve from its node_modules.
    work = Path(tempfile.mkdtemp(prefix="docs-ts-", dir=modules.parent))
    try:
        where = {}
        for snippet in checked:
            # `export {}` makes every block a module: its names are its own, and
            # top-level await is allowed.
            (work / snippet.filename).write_text(snippet.code + "\nexport {};\n")
            where[snippet.filename] = f"docs/{snippet.page}:{snippet.line}"
        for types in STATIC.glob("*.d.ts"):
            shutil.copyfile(types, work / types.name)
        (work / "tsconfig.json").write_text(json.dumps(TSCONFIG))
        result = subprocess.run(
            [node, str(tsc), "--strict", "--noEmit", "-p", str(work / "tsconfig.json")],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = result.stdout + result.stderr
    for filename, origin in where.items():  # name the page and line of each error
        report = report.replace(filename, f"{filename} ({origin})")
    assert result.returncode == 0, f"tsc --strict found errors in the docs:\n{report}"


def _titled(snippet: Snippet) -> bool:
    return not snippet.filename.startswith(Path(snippet.page).stem + "-")


def test_a_broken_block_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        'Text.\n\n!!! note\n    ```ts title="a.ts"\n    const n: number = "x";\n    ```\n\n'
        "```typescript\nexport const ok = 1;\n```\n"
    )
    found = snippets(tmp_path)
    assert [(s.filename, s.line, s.code) for s in found] == [
        ("a.ts", 4, 'const n: number = "x";\n'),
        ("page-2.ts", 8, "export const ok = 1;\n"),
    ]


pytestmark = pytest.mark.timeout(900)

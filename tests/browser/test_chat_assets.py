"""The chat page's files and `chat_page()` without a browser: what it serves and
with which headers, how it renders `api` and `title`, the generated types being
current and strict (`tsc --strict`), and the ES-module client under Node."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from langgraph_sse.http.chat_page import STATIC_DIR, chat_page
from tests.conftest import asgi_client
from tests.npm import node_modules

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FILES = ["index.html", "chat.js", "chat.css", "langgraph-sse.js", "langgraph-sse.d.ts"]


def gen_dts() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_dts", ROOT / "scripts" / "gen_dts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_types_are_generated_from_the_current_schemas() -> None:
    written = (STATIC_DIR / "langgraph-sse.d.ts").read_text()
    assert written == gen_dts().render(), (
        "src/langgraph_sse/static/langgraph-sse.d.ts is not current: "
        "run .venv/bin/python scripts/gen_dts.py"
    )


def test_the_types_name_every_event_and_every_field() -> None:
    from langgraph_sse.core.events import event_adapter

    schema = event_adapter.json_schema()
    types = (STATIC_DIR / "langgraph-sse.d.ts").read_text()
    for name, definition in schema["$defs"].items():
        assert f"export interface {name} {{" in types
        for field in definition["properties"]:
            assert f"  {field}: " in types, (name, field)


def test_the_types_check_with_tsc_strict(tmp_path: Path) -> None:
    """A small consumer compiles under `tsc --strict`, and each misuse it marks
    `@ts-expect-error` is refused (tsc fails on an unused one)."""
    modules = node_modules(HERE / "ts" / "package.json")
    shutil.copy(HERE / "ts" / "consumer.ts", tmp_path)
    shutil.copy(STATIC_DIR / "langgraph-sse.d.ts", tmp_path)
    done = subprocess.run(
        [
            *("node", str(modules / "typescript" / "bin" / "tsc"), "--strict", "--noEmit"),
            *("--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext"),
            *("--lib", "es2022,dom,dom.asynciterable", "consumer.ts"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_client_reads_and_resumes_streams_under_node() -> None:
    """readSSE at every split of a stream; followRun through drops, a 503, a repeat
    and a relay that stops, sending Last-Event-ID; 204, 404 and abort."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed (needed for the JavaScript client tests)")
    module = (STATIC_DIR / "langgraph-sse.js").as_uri()
    done = subprocess.run(
        ["node", str(HERE / "js" / "client.mjs"), module],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ok": True}


async def test_the_page_is_served_with_its_api_and_title() -> None:
    app = Starlette(routes=[Mount("/", chat_page(api="/v1/", title='Ops <chat> & "co"'))])
    async with asgi_client(app) as client:
        for path in ("/", "/index.html"):
            page = await client.get(path)
            assert page.status_code == 200
            assert page.headers["content-type"] == "text/html; charset=utf-8"
            assert '<meta name="langgraph-sse-api" content="/v1">' in page.text
            assert "<title>Ops &lt;chat&gt; &amp; &quot;co&quot;</title>" in page.text
            assert "<chat>" not in page.text


async def test_every_file_is_served_with_its_type_and_the_security_headers() -> None:
    app = Starlette(routes=[Mount("/chat", chat_page(api="/agent"))])
    types = {
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".ts": "text/plain; charset=utf-8",
    }
    async with asgi_client(app) as client:
        for name in FILES:
            response = await client.get(f"/chat/{name}")
            assert response.status_code == 200, name
            assert response.headers["content-type"] == types[Path(name).suffix], name
            csp = response.headers["content-security-policy"]
            assert "script-src 'self';" in csp and "connect-src 'self';" in csp
            assert "frame-ancestors 'none'" in csp
            assert response.headers["x-content-type-options"] == "nosniff"
        assert (await client.get("/chat/chat.js")).text == (STATIC_DIR / "chat.js").read_text()
        for path in ("/chat/nope.js", "/chat/../pyproject.toml", "/chat/%2e%2e/__init__.py"):
            assert (await client.get(path)).status_code == 404, path
        assert (await client.post("/chat/")).status_code == 405
        assert (await client.post("/chat/chat.js")).status_code == 405


def test_the_package_ships_exactly_the_page_files() -> None:
    assert sorted(p.name for p in STATIC_DIR.iterdir()) == sorted(FILES)


async def test_without_its_slash_the_page_redirects_to_it() -> None:
    page = chat_page()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=page, root_path="/chat"), base_url="http://test"
    ) as client:
        response = await client.get("/chat?x=1")
        assert response.status_code == 307
        assert response.headers["location"] == "/chat/?x=1"


async def test_another_origin_is_allowed_to_connect_to() -> None:
    app = chat_page(api="https://api.example.com:8443/v1")
    async with asgi_client(app) as client:
        page = await client.get("/")
    assert (
        "connect-src 'self' https://api.example.com:8443;"
        in page.headers["content-security-policy"]
    )
    assert 'content="https://api.example.com:8443/v1"' in page.text


@pytest.mark.parametrize(
    "api",
    [
        "javascript:alert(1)",
        "//evil.example",
        "ftp://host/v1",
        'https://a.example/v1" onload="x',
        "/v1 x",
        "/v1\n",
        "https://a.example;script-src *",
        "https://a.example/v1?x=1",
        "v1",
    ],
)
def test_an_api_that_is_not_a_path_or_http_url_is_refused(api: str) -> None:
    with pytest.raises(ValueError, match="chat_page"):
        chat_page(api=api)


async def test_the_demo_serves_the_page_at_its_root() -> None:
    from examples.production import app

    async with asgi_client(app) as client:
        page = await client.get("/")
        assert page.status_code == 200
        assert '<meta name="langgraph-sse-api" content="/v1">' in page.text
        assert (await client.get("/chat.js")).status_code == 200
        assert (await client.get("/openapi.json")).status_code == 200  # still FastAPI's

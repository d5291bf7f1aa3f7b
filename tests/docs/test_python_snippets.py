"""The Python clients of docs/clients.md, run as they are written against a real
server (uvicorn on 127.0.0.1, the endpoints under `/v1` as in the production
example), only their `http://127.0.0.1:8000` pointed at it."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from fastapi import FastAPI

from langgraph_sse import api_key_auth, make_router
from tests import graphs
from tests.conftest import Serve

CLIENTS = Path(__file__).resolve().parents[2] / "docs" / "clients.md"
REPLY = "Hello there, how are you"


def python_blocks(page: Path = CLIENTS) -> list[str]:
    """The page's ```python blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```$", page.read_text(), flags=re.M | re.S)


def block(containing: str) -> str:
    [found] = [code for code in python_blocks() if containing in code]
    return found


def app(*, keys: dict[str, str] | None = None) -> FastAPI:
    served = FastAPI()
    auth = api_key_auth(keys) if keys else None
    served.include_router(make_router(graphs.chat_graph(REPLY), prefix="/v1", auth=auth))
    return served


async def run(code: str, base: str) -> tuple[int, str, str]:
    """Run `code` in a fresh interpreter (this loop keeps serving meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code.replace("http://127.0.0.1:8000", base),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_client_snippet_streams_a_reply(serve: Serve) -> None:
    base = await serve(app(keys={"sk-dev-1": "dev"}))
    code, out, err = await run(block("from langgraph_sse.client import"), base)
    assert code == 0, err
    assert out == f"{REPLY}\n[success]\n"


async def test_the_client_snippet_prints_a_refusal(serve: Serve) -> None:
    base = await serve(app(keys={"sk-other": "dev"}))
    code, out, err = await run(block("from langgraph_sse.client import"), base)
    assert code == 0, err
    assert out == "401 Invalid API key\n"


async def test_the_httpx_sse_snippet_streams_a_reply(serve: Serve) -> None:
    base = await serve(app())
    code, out, err = await run(block("from httpx_sse import connect_sse"), base)
    assert code == 0, err
    assert out == f"{REPLY}\n[success]\n"


async def test_the_httpx_sse_snippet_raises_on_an_error_status(serve: Serve) -> None:
    base = await serve(app(keys={"sk-dev-1": "dev"}))
    code, out, err = await run(block("from httpx_sse import connect_sse"), base)
    assert code != 0 and out == ""
    assert "httpx.HTTPStatusError: Client error '401 Unauthorized'" in err

"""Servers speaking the AI SDK UI message stream protocol (`protocol="ai-sdk"`):
the `agent` graph of tests.agent_graph, mounted by each adapter, and a reader of
its streams that checks the framing."""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from langgraph.checkpoint.memory import InMemorySaver
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from langgraph_sse import api_key_auth, make_asgi_app, make_router, make_routes
from tests import agent_graph
from tests.conftest import Serve

KEYS = {"key-alice": "alice", "key-bob": "bob"}
ALICE = {"X-API-Key": "key-alice"}
BOB = {"X-API-Key": "key-bob"}

Adapter = Literal["fastapi", "starlette", "asgi"]
ADAPTERS: tuple[Adapter, ...] = ("fastapi", "starlette", "asgi")
API: dict[Adapter, str] = {"fastapi": "/ai", "starlette": "/ai/", "asgi": "/"}
"""Where each adapter's app serves `POST` (the transport's `api`)."""

Part = dict[str, Any]


def agent() -> Any:
    """The `agent` graph with its own in-memory checkpointer."""
    graph = agent_graph.build()
    graph.checkpointer = InMemorySaver()
    return graph


def app(adapter: Adapter = "asgi", **options: Any) -> ASGIApp:
    """The agent served as `protocol="ai-sdk"` by `adapter`, at `API[adapter]`."""
    graph = agent()
    if adapter == "fastapi":
        fastapi = FastAPI()
        fastapi.include_router(make_router(graph, protocol="ai-sdk", prefix="/ai", **options))
        return fastapi
    if adapter == "starlette":
        routes = make_routes(graph, protocol="ai-sdk", **options)
        return Starlette(routes=[Mount("/ai", routes=routes)], lifespan=routes.lifespan)
    return make_asgi_app(graph, protocol="ai-sdk", **options)


def chat_body(chat_id: str, text: str, **extra: Any) -> dict[str, Any]:
    """What `DefaultChatTransport` POSTs for a first user message."""
    message = {"id": f"u-{chat_id}", "role": "user", "parts": [{"type": "text", "text": text}]}
    return {"id": chat_id, "messages": [message], "trigger": "submit-message", **extra}


def parse_stream(raw: bytes) -> list[Part]:
    """The parts of a UI message stream, checked frame by frame: only `data:`
    lines (comments allowed), one JSON part each, `[DONE]` last and only there."""
    parts: list[Part] = []
    frames = raw.decode().replace("\r\n", "\n").split("\n\n")
    assert frames[-1] == "", "the stream ends with a blank line"
    done = False
    for frame in frames[:-1]:
        lines = [line for line in frame.split("\n") if not line.startswith(":")]
        if not lines:
            continue  # a keep-alive comment
        assert len(lines) == 1 and lines[0].startswith("data: "), frame
        data = lines[0][len("data: ") :]
        assert not done, f"a frame after [DONE]: {frame!r}"
        if data == "[DONE]":
            done = True
            continue
        part = json.loads(data)
        assert isinstance(part, dict) and isinstance(part["type"], str), part
        parts.append(part)
    assert done, "no [DONE]"
    return parts


def check_order(parts: list[Part]) -> None:
    """`start` first; steps, text and reasoning parts well nested; every tool
    call's input before its output; `finish` last, or `error` last without finish."""
    assert parts[0]["type"] == "start"
    step = False
    texts: set[str] = set()
    reasonings: set[str] = set()
    calls: dict[str, str] = {}
    for part in parts[1:-1]:
        kind = part["type"]
        assert kind not in ("start", "finish", "error"), parts
        if kind == "start-step":
            assert not step
            step = True
        elif kind == "finish-step":
            assert step and not texts and not reasonings
            step = False
        elif kind.startswith(("text-", "reasoning-")):
            assert step, part
            open_ = texts if kind.startswith("text-") else reasonings
            if kind.endswith("-start"):
                assert part["id"] not in open_
                open_.add(part["id"])
            else:
                assert part["id"] in open_, part
                if kind.endswith("-end"):
                    open_.discard(part["id"])
        elif kind == "tool-input-start":
            calls[part["toolCallId"]] = "streaming"
        elif kind == "tool-input-delta":
            assert calls[part["toolCallId"]] == "streaming"
        elif kind in ("tool-input-available", "tool-input-error"):
            calls[part["toolCallId"]] = "available"
        elif kind.startswith("tool-output") or kind == "tool-approval-request":
            assert calls.get(part["toolCallId"]) == "available", part
    assert not step and not texts and not reasonings
    assert parts[-1]["type"] in ("finish", "error", "abort"), parts[-1]


async def post_chat(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], **kwargs: Any
) -> list[Part]:
    """POST a chat request; its parts, with the stream's headers and order checked."""
    response = await client.post(url, json=body, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    parts = parse_stream(response.content)
    check_order(parts)
    return parts


def text_of(parts: list[Part]) -> str:
    return "".join(p["delta"] for p in parts if p["type"] == "text-delta")


@pytest.fixture
async def ai_url(serve: Serve) -> str:
    """The base URL of an open ASGI app (`POST /`)."""
    return await serve(app("asgi"))


@pytest.fixture
async def private_url(serve: Serve) -> str:
    """The base URL of an app where `key-alice` and `key-bob` are two principals."""
    return await serve(app("asgi", auth=api_key_auth(KEYS)))

"""Each example app, driven over HTTP in process: the events a user would check."""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import examples._model
import httpx
import pytest
from examples._model import REPLIES, FakeChatModel, chat_model
from httpx_sse import aconnect_sse

EXAMPLES = (
    "minimal",
    "tokens",
    "tokens_progress",
    "values",
    "debug",
    "production",
    "starlette_app",
    "asgi_app",
    "text_protocol",
    "langgraph_platform",
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The fake model, streaming without delay; no API keys required; threads in
    a fresh SQLite file."""
    monkeypatch.setenv("LANGGRAPH_SSE_DB", str(tmp_path / "threads.sqlite"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("LANGGRAPH_SSE_API_KEYS", raising=False)
    monkeypatch.setattr(examples._model, "TOKEN_DELAY", 0.0)
    yield


def load(name: str) -> ModuleType:
    """The example module, re-imported so it builds a fresh graph and fake model."""
    return importlib.reload(importlib.import_module(f"examples.{name}"))


@asynccontextmanager
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on `app`, inside the app's lifespan (which opens its database)."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield http


async def stream(
    app: Any,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """POST ``body`` (or GET with ``params``) to a stream endpoint; the events' JSON."""
    method = "GET" if body is None else "POST"
    async with (
        client(app) as http,
        aconnect_sse(
            http, method, path, json=body, headers=dict(headers or {}), params=params
        ) as source,
    ):
        assert source.response.status_code == 200, await source.response.aread()
        assert source.response.headers["content-type"].startswith("text/event-stream")
        events = []
        async for sse in source.aiter_sse():
            data = json.loads(sse.data)
            assert data["type"] == sse.event
            assert str(data["seq"]) == sse.id
            events.append(data)
    return events


def check_run(events: list[dict[str, Any]]) -> list[str]:
    """A run starts with ``metadata`` and ends with a successful ``done``; its event types."""
    types = [e["type"] for e in events]
    assert types[0] == "metadata"
    assert types[-1] == "done"
    assert events[-1]["status"] == "success"
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert "error" not in types
    return types


def reply(events: list[dict[str, Any]]) -> str:
    return "".join(e["text"] for e in events if e["type"] == "token")


# -- the model ------------------------------------------------------------------


async def test_fake_model_streams_replies_in_turn() -> None:
    model = chat_model()
    assert isinstance(model, FakeChatModel)
    first = [str(chunk.content) async for chunk in model.astream("hi")]
    assert len(first) > 5
    assert "".join(first) == REPLIES[0]
    assert (await model.ainvoke("hi")).content == REPLIES[1]


def test_fake_model_without_langchain_anthropic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert isinstance(chat_model(), FakeChatModel)


def test_claude_when_key_and_package(monkeypatch: pytest.MonkeyPatch) -> None:
    class ChatAnthropic:
        def __init__(self, model: str) -> None:
            self.model = model

    fake = ModuleType("langchain_anthropic")
    fake.__spec__ = importlib.machinery.ModuleSpec("langchain_anthropic", None)
    fake.ChatAnthropic = ChatAnthropic  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "langchain_anthropic", fake)
    assert isinstance(chat_model(), FakeChatModel)  # no key: the fake, even with the package
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_MODEL", "claude-test")
    model = chat_model()
    assert isinstance(model, ChatAnthropic)
    assert model.model == "claude-test"


@pytest.mark.parametrize("name", EXAMPLES)
def test_docstring_says_how_to_run(name: str) -> None:
    doc = load(name).__doc__ or ""
    assert f"uvicorn examples.{name}:app" in doc
    assert "curl -N" in doc


# -- one example per seed section ----------------------------------------------


async def test_minimal_streams_updates() -> None:
    events = await stream(load("minimal").app, "/stream", {"message": "Hello"})
    types = check_run(events)
    assert types == ["metadata", "updates", "done"]
    update = events[1]
    assert update["node"] == "agent"
    message = update["data"]["messages"][-1]
    assert message["type"] == "ai"
    assert message["content"] == REPLIES[0]


async def test_minimal_get_for_eventsource() -> None:
    app = load("minimal").app
    events = await stream(app, "/stream", params={"thread_id": "t1", "message": "Hello world"})
    check_run(events)
    assert events[0]["thread_id"] == "t1"
    assert [e["type"] for e in events].count("updates") == 1


async def test_tokens_streams_the_reply_token_by_token() -> None:
    events = await stream(load("tokens").app, "/stream", {"thread_id": "t1", "message": "Hello"})
    types = check_run(events)
    assert events[0]["thread_id"] == "t1"
    tokens = [e for e in events if e["type"] == "token"]
    assert len(tokens) > 5
    assert set(types) == {"metadata", "token", "done"}
    assert reply(events) == REPLIES[0]
    assert {t["node"] for t in tokens} == {"agent"}
    assert len({t["message_id"] for t in tokens}) == 1


async def test_tokens_progress_streams_custom_then_tokens() -> None:
    app = load("tokens_progress").app
    events = await stream(app, "/stream", {"message": "What is SSE?"})
    types = check_run(events)
    custom = [e["data"] for e in events if e["type"] == "custom"]
    assert custom == [
        {"event": "search_start", "query": "What is SSE?"},
        {"event": "search_done", "count": 3},
    ]
    assert types.index("custom") < types.index("token")
    assert reply(events) == REPLIES[0]


async def test_values_streams_the_full_state() -> None:
    events = await stream(load("values").app, "/stream", {"message": "Hello"})
    types = check_run(events)
    assert set(types) == {"metadata", "values", "done"}
    values = [e["data"] for e in events if e["type"] == "values"]
    assert [m["type"] for m in values[0]["messages"]] == ["human"]
    final = values[-1]["messages"]
    assert [m["type"] for m in final] == ["human", "ai"]
    assert final[0]["content"] == "Hello"
    assert final[1]["content"] == REPLIES[0]  # the whole text, not cut to 200 characters


async def test_debug_streams_node_lifecycle_and_checkpoints() -> None:
    events = await stream(load("debug").app, "/stream", {"message": "Hello"})
    types = check_run(events)
    assert {"node_start", "node_end", "checkpoint"} <= set(types)
    start = next(e for e in events if e["type"] == "node_start")
    end = next(e for e in events if e["type"] == "node_end")
    assert start["node"] == end["node"] == "agent"
    assert start["task_id"] == end["task_id"]
    assert end["error"] is None
    assert end["result"]["messages"][-1]["content"] == REPLIES[0]
    checkpoints = [e for e in events if e["type"] == "checkpoint"]
    assert checkpoints[-1]["next"] == []
    assert all(c["checkpoint_id"] for c in checkpoints)


# -- production: /v1, API keys, CORS -------------------------------------------

STREAM = "/v1/stream"
HELLO = {"message": "Hello"}


async def test_production_streams_without_keys_configured() -> None:
    events = await stream(load("production").app, STREAM, HELLO)
    check_run(events)
    assert reply(events) == REPLIES[0]


async def test_production_requires_a_key_when_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANGGRAPH_SSE_API_KEYS", "alice=sk-one, bob=sk-two")
    app = load("production").app
    async with client(app) as http:
        for headers in ({}, {"X-API-Key": "sk-wrong"}, {"Authorization": "Bearer sk-one"}):
            response = await http.post(STREAM, json=HELLO, headers=headers)
            assert response.status_code == 401
            assert "API key" in response.json()["detail"]
        response = await http.get("/v1/threads/t1/state")
        assert response.status_code == 401

    events = await stream(
        app, STREAM, {"message": "Hi", "thread_id": "p1"}, headers={"X-API-Key": "sk-two"}
    )
    check_run(events)
    assert reply(events)
    async with client(app) as http:
        # bob's thread is private: alice gets a 404, bob gets it
        assert (
            await http.get("/v1/threads/p1/state", headers={"X-API-Key": "sk-one"})
        ).status_code == 404
        assert (
            await http.get("/v1/threads/p1/state", headers={"X-API-Key": "sk-two"})
        ).status_code == 200
    # EventSource cannot send headers: GET /v1/stream takes ?api_key=
    events = await stream(app, STREAM, params={"message": "Hi", "api_key": "sk-one"})
    check_run(events)


async def test_production_healthz_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGGRAPH_SSE_API_KEYS", "sk-one")
    app = load("production").app
    async with client(app) as http:
        assert (await http.get("/v1/healthz")).json() == {"status": "ok"}
        assert (await http.get("/v1/threads/t/state")).status_code == 401


async def test_production_cors_preflight() -> None:
    app = load("production").app
    async with client(app) as http:
        response = await http.options(
            STREAM,
            headers={
                "Origin": "http://localhost:5173",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-api-key,last-event-id",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
        allowed = response.headers["access-control-allow-headers"].lower()
        for header in ("x-api-key", "authorization", "last-event-id", "content-type"):
            assert header in allowed

        response = await http.options(
            STREAM,
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers


async def test_production_keeps_the_thread() -> None:
    app = load("production").app
    first = await stream(app, STREAM, {"thread_id": "t1", "message": "Hello"})
    second = await stream(app, STREAM, {"thread_id": "t1", "message": "And again?"})
    assert reply(first) == REPLIES[0]
    assert reply(second) == REPLIES[1]
    async with client(app) as http:
        state = (await http.get("/v1/threads/t1/state")).json()
    assert [m["type"] for m in state["values"]["messages"]] == ["human", "ai", "human", "ai"]


# -- the other adapters --------------------------------------------------------


async def test_starlette_app_is_mounted_under_agent() -> None:
    app = load("starlette_app").app
    events = await stream(app, "/agent/stream", HELLO)
    check_run(events)
    assert reply(events) == REPLIES[0]
    async with client(app) as http:
        assert (await http.get("/agent/healthz")).json() == {"status": "ok"}
        assert (await http.post("/stream", json=HELLO)).status_code == 404


async def test_asgi_app_serves_at_the_root() -> None:
    events = await stream(load("asgi_app").app, "/stream", HELLO)
    check_run(events)
    assert reply(events) == REPLIES[0]


async def test_text_protocol_streams_the_answer_and_shares_the_service() -> None:
    app = load("text_protocol").app
    async with (
        client(app) as http,
        aconnect_sse(http, "POST", "/text/ask", json={"question": "Hi", "thread_id": "t"}) as src,
    ):
        assert src.response.status_code == 200, await src.response.aread()
        frames = [sse async for sse in src.aiter_sse()]
    assert frames[-1].data == "[DONE]"
    answer = "".join(sse.data for sse in frames[:-1])
    assert answer == REPLIES[0]
    ids = [int(sse.id) for sse in frames]
    assert ids == sorted(set(ids)) and ids[0] > 0  # no frame for `metadata` (seq 0)
    async with client(app) as http:  # the native mount sees the same thread
        state = (await http.get("/native/threads/t/state")).json()
    assert [m["content"] for m in state["values"]["messages"]] == ["Hi", REPLIES[0]]


# -- langgraph_platform: the LangGraph Platform API under /lg ---------------------------


async def lg_stream(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> list[Any]:
    async with aconnect_sse(http, "POST", path, json=body) as source:
        assert source.response.status_code == 200, await source.response.aread()
        assert source.response.headers["content-location"].startswith("/threads/")
        return [(sse.event, json.loads(sse.data)) async for sse in source.aiter_sse()]


async def test_langgraph_platform_chats_asks_and_resumes() -> None:
    app = load("langgraph_platform").app
    async with client(app) as http:
        thread = (await http.post("/lg/threads", json={})).json()["thread_id"]
        runs = f"/lg/threads/{thread}/runs/stream"
        hello = {"messages": [{"role": "user", "content": "Hello"}]}
        body = {"assistant_id": "agent", "input": hello, "stream_mode": "messages-tuple"}
        events = await lg_stream(http, runs, body)
        assert events[0][0] == "metadata" and events[-1] == ("end", None)
        text = "".join(data[0]["content"] for name, data in events if name == "messages")
        assert text == REPLIES[0]

        ask = {"messages": [{"role": "user", "content": "please approve"}]}
        events = await lg_stream(http, runs, {"assistant_id": "agent", "input": ask})
        [question] = events[-2][1]["__interrupt__"]
        assert question["value"] == {"question": "Approve this request?"}
        resume = {"assistant_id": "agent", "command": {"resume": "yes"}}
        events = await lg_stream(http, runs, resume)
        messages = events[-2][1]["messages"]
        assert messages[-2]["content"] == "Approval: yes"
        found = await http.post("/lg/threads/search", json={"metadata": {"graph_id": "agent"}})
        assert [t["thread_id"] for t in found.json()] == [thread]


async def test_langgraph_platform_cors_exposes_the_run_location() -> None:
    app = load("langgraph_platform").app
    async with client(app) as http:
        preflight = await http.options(
            "/lg/runs/stream",
            headers={
                "Origin": "http://localhost:3000",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-api-key",
            },
        )
        assert preflight.status_code == 200
        answer = await http.get("/lg/info", headers={"Origin": "http://localhost:3000"})
        exposed = answer.headers["access-control-expose-headers"].lower()
        assert "content-location" in exposed and "location" in exposed

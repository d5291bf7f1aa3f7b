"""What an SSE response looks like on the wire: its headers, and heartbeat comments."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from tests import graphs
from tests.apps import ADAPTERS, mount
from tests.conftest import Serve, asgi_client


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_stream_response_headers(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("h"))
    async with asgi_client(app) as client:
        response = await client.post("/stream", json={"message": "hi", "thread_id": "t-h"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["x-thread-id"] == "t-h"
    assert "content-encoding" not in response.headers


async def test_heartbeat_comments_keep_a_quiet_stream_alive(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    app = mount(
        "asgi", graphs.slow_graph(probe, delay=1.0), stream_mode="custom", ping_interval=0.2
    )
    base = await serve(app)
    async with (
        httpx.AsyncClient(base_url=base) as client,
        client.stream("POST", "/stream", json={"message": "go"}) as response,
    ):
        seen = b""
        async for chunk in response.aiter_bytes():
            seen += chunk
            if seen.count(b": ping") >= 2:
                break
    assert b"event: metadata" in seen and seen.count(b": ping") >= 2


async def test_the_send_override_on_sse_starlettes_private_api_is_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # http/sse.py overrides EventSourceResponse._send_with_timeout (private, from
    # sse-starlette 3.5, the pinned floor) to skip a cancel scope per write. If
    # sse-starlette stops calling it, the override is dead: this test says so.
    # (A local run's stream is a RunStreamResponse; event_stream_response serves
    # any other body: a run relayed from another replica, a protocol's filtered join.)
    from sse_starlette import EventSourceResponse

    from langgraph_sse.http import sse

    assert "_send_with_timeout" in vars(EventSourceResponse)
    sends: list[bytes] = []
    original = sse._EventSourceResponse._send_with_timeout

    async def counting(self: EventSourceResponse, send: object, message: dict) -> None:  # type: ignore[type-arg]
        sends.append(message.get("body", b""))
        await original(self, send, message)  # type: ignore[arg-type]

    async def body() -> AsyncIterator[bytes]:
        yield sse.format_frame(b"{}", event="metadata", id=0)
        yield sse.format_frame(b'{"status":"success"}', event="done", id=1)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await sse.event_stream_response(body())(scope, receive, send)

    monkeypatch.setattr(sse._EventSourceResponse, "_send_with_timeout", counting)
    async with asgi_client(app) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert b"".join(sends).startswith(b"event: metadata")
    assert b"".join(sends).rstrip(b"\n").endswith(b'"status":"success"}')

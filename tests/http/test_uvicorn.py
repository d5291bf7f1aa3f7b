"""Against a real uvicorn server on 127.0.0.1: streaming, and cancelling when the client leaves."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
from httpx_sse import aconnect_sse

from langgraph_sse import make_asgi_app
from tests import graphs
from tests.apps import ADAPTERS, mount
from tests.conftest import Serve, read_events, text


def run_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("langgraph-sse run")]


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_tokens_stream_over_real_http(serve: Serve, adapter: str) -> None:
    base = await serve(mount(adapter, graphs.chat_graph("streamed over a socket", "second")))
    async with httpx.AsyncClient(base_url=base) as client:
        events = await read_events(
            client, "POST", "/stream", json={"message": "hi", "thread_id": "u1"}
        )
        assert text(events) == "streamed over a socket"
        assert events[-1] == {"type": "done", "seq": len(events) - 1, "ns": [], "status": "success"}
        second = await read_events(
            client, "GET", "/stream", params={"message": "again", "thread_id": "u1"}
        )
        assert text(second) == "second"
        state = (await client.get("/threads/u1/state")).json()
    assert [m["content"] for m in state["values"]["messages"]] == [
        "hi",
        "streamed over a socket",
        "again",
        "second",
    ]


async def test_first_event_arrives_before_the_run_ends(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(make_asgi_app(graphs.endless_graph(probe), stream_mode="custom"))
    seen = []
    async with (
        httpx.AsyncClient(base_url=base) as client,
        aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source,
    ):
        async for sse in source.aiter_sse():
            seen.append(sse.event)
            if len(seen) == 3:
                break
    assert seen == ["metadata", "custom", "custom"]


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_client_disconnect_cancels_the_run(
    serve: Serve, adapter: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    probe = graphs.LoopProbe()
    base = await serve(mount(adapter, graphs.endless_graph(probe), stream_mode="custom"))
    async with httpx.AsyncClient(base_url=base) as client:
        async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
            ticks = 0
            async for sse in source.aiter_sse():
                ticks += sse.event == "custom"
                if ticks == 5:
                    break
            assert run_tasks(), "the run should be going while we read"
        # Leaving the block closed the connection mid-stream.
        await asyncio.wait_for(probe.cancelled.wait(), timeout=5)
        await asyncio.wait_for(probe.finished.wait(), timeout=5)
        stopped_at = probe.iterations
        deadline = time.monotonic() + 5
        while run_tasks() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert run_tasks() == []
        await asyncio.sleep(0.1)
        assert probe.iterations == stopped_at, "the node kept running after the client left"
        assert (await client.get("/healthz")).json() == {"status": "ok"}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def test_many_disconnects_leave_no_run_behind(serve: Serve) -> None:
    probes = [graphs.LoopProbe() for _ in range(20)]
    base = await serve(make_asgi_app(graphs.endless_graph(probes[0]), stream_mode="custom"))

    async def connect_and_drop(client: httpx.AsyncClient) -> None:
        async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
            async for sse in source.aiter_sse():
                if sse.event == "custom":
                    break

    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=50)) as client:
        await asyncio.gather(*(connect_and_drop(client) for _ in range(20)))
        deadline = time.monotonic() + 10
        while run_tasks() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert run_tasks() == []
        assert (await client.get("/healthz")).status_code == 200

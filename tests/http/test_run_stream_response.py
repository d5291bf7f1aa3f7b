"""A local run's stream (RunStreamResponse): the request's own task sends it, with one
task listening for the client to leave; pings when quiet, shutdown, disconnects."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse
from sse_starlette.sse import AppStatus

from langgraph_sse import make_asgi_app
from langgraph_sse.http import sse
from tests import graphs
from tests.apps import mount
from tests.conftest import Serve, asgi_client

_SERVING = ("uvicorn", "starlette", "sse_starlette", "anyio", "langgraph_sse")


def _serving_tasks(tasks: set[asyncio.Task[Any]]) -> Counter[str]:
    """The tasks among `tasks` that serve requests (not the graph's own), by coroutine."""
    kinds: Counter[str] = Counter()
    for task in tasks:
        coro = task.get_coro()
        path = Path(coro.cr_code.co_filename).parts  # type: ignore[union-attr]
        if not task.done() and any(name in path for name in _SERVING):
            kinds[coro.__qualname__] += 1  # type: ignore[union-attr]
    return kinds


async def test_a_stream_costs_its_request_task_and_one_listener(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(make_asgi_app(graphs.endless_graph(probe), stream_mode="custom"))
    streams = 3
    async with httpx.AsyncClient(base_url=base) as client:
        # one stream first: the shutdown watcher (one per event loop) is then running
        async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
            async for _ in source.aiter_sse():
                break
        await asyncio.sleep(0.1)
        before = asyncio.all_tasks()
        opened = asyncio.Event()
        reading = 0
        release = asyncio.Event()

        async def read_two() -> None:
            nonlocal reading
            async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
                seen = 0
                async for _ in source.aiter_sse():
                    seen += 1
                    if seen == 2:
                        reading += 1
                        if reading == streams:
                            opened.set()
                        await release.wait()
                        break

        readers = [asyncio.create_task(read_two()) for _ in range(streams)]
        await asyncio.wait_for(opened.wait(), 10)
        await asyncio.sleep(2 * sse.LISTEN_AFTER)  # each stream now watches for its client
        during = _serving_tasks(asyncio.all_tasks() - before - set(readers))
        release.set()
        await asyncio.gather(*readers)
    # Per stream: uvicorn's task for the request (the response's send loop runs in
    # it), the one listening for the client to leave (from LISTEN_AFTER into the
    # stream on), and the run's own task.
    # (sse-starlette's EventSourceResponse added a task group of four to each.)
    assert during == Counter(
        {
            "RequestResponseCycle.run_asgi": streams,
            "RequestResponseCycle.receive": streams,
            "Run._pump": streams,
        }
    ), during


async def test_no_ping_while_frames_flow(serve: Serve) -> None:
    # Keep-alive comments are for a quiet stream: one that writes more often
    # than the ping interval gets none.
    probe = graphs.LoopProbe()
    app = mount("asgi", graphs.endless_graph(probe), stream_mode="custom", ping_interval=0.2)
    base = await serve(app)
    seen = b""
    async with (
        httpx.AsyncClient(base_url=base) as client,
        client.stream("POST", "/stream", json={"message": "go"}) as response,
    ):
        loop = asyncio.get_running_loop()
        until = loop.time() + 1.0
        async for chunk in response.aiter_bytes():
            seen += chunk
            if loop.time() > until:
                break
    assert seen.count(b"event: custom") > 20
    assert b": ping" not in seen


async def test_a_ping_comes_after_a_quiet_interval_not_before(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    app = mount(
        "asgi", graphs.slow_graph(probe, delay=5.0), stream_mode="custom", ping_interval=0.3
    )
    base = await serve(app)
    async with (
        httpx.AsyncClient(base_url=base) as client,
        client.stream("POST", "/stream", json={"message": "go"}) as response,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        times: list[float] = []
        async for chunk in response.aiter_bytes():
            if b": ping" in chunk:
                times.append(loop.time() - started)
                if len(times) == 2:
                    break
    assert 0.25 < times[0] < 1.0 and 0.25 < times[1] - times[0] < 1.0, times


async def test_a_client_leaving_a_quiet_stream_cancels_its_run(serve: Serve) -> None:
    # Nothing is being written: only the listener can tell that the client left.
    probe = graphs.LoopProbe()
    base = await serve(mount("asgi", graphs.slow_graph(probe, delay=30.0), stream_mode="custom"))
    async with httpx.AsyncClient(base_url=base) as client:
        async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
            async for sse in source.aiter_sse():
                assert sse.event == "metadata"
                break
            await asyncio.wait_for(probe.started.wait(), 5)
        await asyncio.wait_for(probe.cancelled.wait(), 5)


async def test_server_shutdown_ends_a_quiet_stream_with_a_shutdown_error(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvicorn's exit, as sse-starlette's AppStatus sees it (its hook on uvicorn's
    # exit handler sets it): the run ends its log with `error` (shutdown) and `done`.
    probe = graphs.LoopProbe()
    base = await serve(mount("asgi", graphs.slow_graph(probe, delay=30.0), stream_mode="custom"))
    events: list[dict[str, Any]] = []
    async with (
        httpx.AsyncClient(base_url=base) as client,
        aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source,
    ):
        async for sse in source.aiter_sse():
            events.append(json.loads(sse.data))
            if len(events) == 1:
                await asyncio.wait_for(probe.started.wait(), 5)
                monkeypatch.setattr(AppStatus, "should_exit", True)
    assert [e["type"] for e in events] == ["metadata", "error", "done"]
    assert events[1]["error"] == "shutdown" and events[2]["status"] == "error"
    assert probe.cancelled.is_set()


async def test_head_answers_the_headers_and_stops_the_run() -> None:
    probe = graphs.LoopProbe()
    app = mount("starlette", graphs.endless_graph(probe), stream_mode="custom")
    async with asgi_client(app) as client:
        response = await client.head("/stream", params={"message": "go"})
        assert response.status_code == 200 and response.content == b""
        assert response.headers["content-type"].startswith("text/event-stream")
    deadline = asyncio.get_running_loop().time() + 5
    while any(t.get_name().startswith("langgraph-sse run") for t in asyncio.all_tasks()):
        assert asyncio.get_running_loop().time() < deadline, "the run was left running"
        await asyncio.sleep(0.01)


async def _writes_per_stream(streams: int, seconds: float) -> list[list[tuple[float, int]]]:
    """Open `streams` streams of one app at once, straight through ASGI, and record
    each stream's writes (when, how many frames) for `seconds`."""
    probe = graphs.LoopProbe()
    app = mount("asgi", graphs.endless_graph(probe), stream_mode="custom", flush_interval=0.02)
    loop = asyncio.get_running_loop()
    leave = asyncio.Event()
    writes: list[list[tuple[float, int]]] = [[] for _ in range(streams)]

    async def one(index: int) -> None:
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b'{"message": "go"}', "more_body": False}
            await leave.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message["body"]:
                writes[index].append((loop.time(), message["body"].count(b"event: custom")))

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": "/stream", "raw_path": b"/stream",
            "root_path": "", "query_string": b"", "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "headers": [(b"host", b"test"), (b"content-type", b"application/json")],
        }  # fmt: skip
        await app(scope, receive, send)

    tasks = [asyncio.create_task(one(i)) for i in range(streams)]
    await asyncio.sleep(seconds)
    leave.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    return writes


def _frames_per_write(writes: list[list[tuple[float, int]]], after: float) -> float:
    counts = [frames for stream in writes for when, frames in stream if when >= after]
    return sum(counts) / len(counts)


async def test_the_more_streams_write_from_one_loop_the_more_frames_share_a_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each stream's graph writes a frame every 10 ms; flush_interval is 20 ms. Alone,
    # a stream's frames go out about two to a write. With ten streams writing from
    # the same event loop (counted at each shutdown poll, made 0.1 s here), a burst
    # waits longer (up to MAX_BURST_INTERVAL): fewer writes for as many frames.
    monkeypatch.setattr(sse, "_SHUTDOWN_POLL", 0.1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    alone = _frames_per_write(await _writes_per_stream(1, 1.0), started + 0.4)
    started = loop.time()
    together = _frames_per_write(await _writes_per_stream(10, 1.0), started + 0.4)
    assert alone < 3.5, alone
    assert together > 2 * alone, (alone, together)


async def test_a_short_stream_costs_no_listener_task(serve: Serve) -> None:
    # A stream over within LISTEN_AFTER never starts the task listening for its
    # client: the run's task and the request's are all it costs.
    base = await serve(make_asgi_app(graphs.chat_graph("hi"), stream_mode="messages"))
    started: list[str] = []
    loop = asyncio.get_running_loop()
    factory = loop.get_task_factory()

    def record(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        started.append(getattr(coro, "__qualname__", ""))
        if factory is not None:
            return factory(loop, coro, **kwargs)  # type: ignore[return-value]
        return asyncio.Task(coro, loop=loop, **kwargs)

    async with httpx.AsyncClient(base_url=base) as client:
        await client.post("/stream", json={"message": "warm up"})
        loop.set_task_factory(record)
        try:
            response = await client.post("/stream", json={"message": "go"})
        finally:
            loop.set_task_factory(factory)
    assert response.status_code == 200 and b"event: done" in response.content
    assert "Run._pump" in started
    assert "RequestResponseCycle.receive" not in started, started

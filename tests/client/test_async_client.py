"""`langgraph_sse.client.AsyncClient` against the real server (uvicorn on
127.0.0.1), connections cut mid-stream by a TCP proxy."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from langgraph_sse import api_key_auth
from langgraph_sse.client import (
    AsyncClient,
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    Reconnect,
    StreamError,
)
from langgraph_sse.core.events import (
    CustomEvent,
    DoneEvent,
    Event,
    InterruptEvent,
    MetadataEvent,
    TokenEvent,
)
from tests import graphs
from tests.apps import mount
from tests.client.paced import paced_graph
from tests.conftest import Serve
from tests.proxy import Proxy

REPLY = " ".join(f"word{i}" for i in range(30))


def text(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, TokenEvent))


def seqs(events: list[Event]) -> list[int]:
    return [e.seq for e in events]


async def collect(stream: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in stream]


@pytest.fixture
async def proxy() -> AsyncIterator[Any]:
    """A TCP proxy to aim at a server, to cut the client's connections."""
    proxies: list[Proxy] = []

    async def start(base_url: str) -> Proxy:
        made = await Proxy(int(base_url.rsplit(":", 1)[1])).start()
        proxies.append(made)
        return made

    yield start
    for made in proxies:
        await made.close()


async def test_stream_yields_typed_events_with_the_exact_text(serve: Serve) -> None:
    base = await serve(mount("fastapi", graphs.chat_graph(REPLY)))
    async with AsyncClient(base) as client:
        events = await collect(client.stream("hi", thread_id="t1", stream_mode="messages"))
    assert isinstance(events[0], MetadataEvent) and events[0].thread_id == "t1"
    assert isinstance(events[-1], DoneEvent) and events[-1].status == "success"
    assert all(isinstance(e, TokenEvent) for e in events[1:-1])
    assert text(events) == REPLY
    assert seqs(events) == list(range(len(events)))


async def test_stream_modes_and_input(serve: Serve) -> None:
    base = await serve(mount("starlette", graphs.progress_graph("done")))
    async with AsyncClient(base) as client:
        events = await collect(
            client.stream(
                input={"messages": [{"role": "user", "content": "q"}]},
                stream_mode=["custom", "messages"],
            )
        )
    custom = [e.data for e in events if isinstance(e, CustomEvent)]
    assert custom == [{"event": "search_start", "query": "q"}, {"event": "search_done", "count": 3}]
    assert text(events) == "done"


async def test_invoke_answers_the_result(serve: Serve) -> None:
    base = await serve(mount("asgi", graphs.chat_graph("Hello there")))
    async with AsyncClient(base) as client:
        result = await client.invoke("hi", thread_id="inv")
        assert result.status == "success" and result.thread_id == "inv"
        assert result.values["messages"][-1]["content"] == "Hello there"
        assert result.interrupts == [] and result.error is None


async def test_invoke_of_a_failing_graph_answers_its_error(serve: Serve) -> None:
    base = await serve(mount("fastapi", graphs.failing_graph("database is down")))
    async with AsyncClient(base) as client:
        result = await client.invoke("hi")
    assert result.status == "error" and result.error is not None
    assert (result.error.error, result.error.message) == ("RuntimeError", "database is down")


async def test_resume_an_interrupt_then_read_state_and_history(serve: Serve) -> None:
    base = await serve(mount("fastapi", graphs.approval_graph()))
    async with AsyncClient(base) as client:
        first = await collect(client.stream("mail bob", thread_id="ap"))
        asks = [e for e in first if isinstance(e, InterruptEvent)]
        assert [a.value for a in asks] == [{"question": "Send the email?"}]
        assert isinstance(first[-1], DoneEvent) and first[-1].status == "interrupted"

        waiting = await client.state("ap")
        assert waiting.next == ["ask"] and [i.id for i in waiting.interrupts] == [asks[0].id]

        resumed = await collect(client.resume("ap", "yes", stream_mode="values"))
        assert isinstance(resumed[-1], DoneEvent) and resumed[-1].status == "success"

        state = await client.state("ap")
        assert state.next == [] and state.interrupts == []
        assert state.values["messages"][-1]["content"] == "human said: yes"

        history = await client.history("ap", limit=2)
        assert len(history.checkpoints) == 2
        assert history.checkpoints[0].checkpoint_id == state.checkpoint_id
        older = await client.history("ap", before=history.checkpoints[-1].checkpoint_id)
        assert older.checkpoints and all(
            c.checkpoint_id not in {h.checkpoint_id for h in history.checkpoints}
            for c in older.checkpoints
        )

        with pytest.raises(ConflictError, match="no pending interrupt"):
            await collect(client.resume("ap", "again"))


async def test_runs_api(serve: Serve) -> None:
    base = await serve(mount("starlette", graphs.chat_graph(REPLY)))
    async with AsyncClient(base) as client:
        run = await client.create_run("hi", thread_id="r1", stream_mode="messages")
        assert run.thread_id == "r1" and run.status in ("pending", "running", "success")
        events = await collect(client.join_run(run.run_id))
        assert isinstance(events[0], MetadataEvent) and events[0].run_id == run.run_id
        assert text(events) == REPLY and seqs(events) == list(range(len(events)))

        info = await client.get_run(run.run_id)
        assert (info.status, info.events) == ("success", len(events))

        tail = await collect(client.join_run(run.run_id, last_event_id=10))
        assert seqs(tail) == list(range(11, len(events)))
        # joined at its end: nothing more (the server answers 204)
        assert await collect(client.join_run(run.run_id, last_event_id=len(events) - 1)) == []


async def test_cancel_run(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(mount("fastapi", graphs.endless_graph(probe), stream_mode="custom"))
    async with AsyncClient(base) as client:
        run = await client.create_run("go", thread_id="c1")
        await asyncio.wait_for(probe.started.wait(), 5)
        cancelled = await client.cancel_run(run.run_id)
        assert cancelled.run_id == run.run_id
        events = await collect(client.join_run(run.run_id))
        assert isinstance(events[-1], DoneEvent) and events[-1].status == "cancelled"
        assert (await client.get_run(run.run_id)).status == "cancelled"


async def test_refusals_raise_with_the_servers_detail(serve: Serve) -> None:
    app = mount("fastapi", graphs.chat_graph("hi", "hi"), auth=api_key_auth({"sk-1": "alice"}))
    base = await serve(app)
    async with AsyncClient(base) as anonymous:
        with pytest.raises(AuthenticationError) as missing:
            await collect(anonymous.stream("hi"))
    assert missing.value.status_code == 401
    assert missing.value.detail == "Missing API key (send it in the X-API-Key header)"
    async with AsyncClient(base, api_key="sk-wrong") as wrong:
        with pytest.raises(AuthenticationError, match="401: Invalid API key"):
            await collect(wrong.stream("hi"))
        with pytest.raises(AuthenticationError, match="Invalid API key"):
            await wrong.invoke("hi")

    async with AsyncClient(base, api_key="sk-1") as client:
        with pytest.raises(NotFoundError) as unknown:
            await client.state("nope")
        assert unknown.value.status_code == 404
        assert unknown.value.detail == "Thread 'nope' not found"
        with pytest.raises(NotFoundError, match="Run 'nope' not found"):
            await client.get_run("nope")
        with pytest.raises(NotFoundError, match="Run 'nope' not found"):
            await collect(client.join_run("nope"))

        with pytest.raises(InvalidRequestError) as invalid:
            await collect(client.stream("hi", stream_mode="bogus"))
        assert invalid.value.status_code == 422
        assert [e["loc"] for e in invalid.value.errors] == [["body", "stream_mode", 0]]
        assert "body.stream_mode.0: Input should be 'values'" in str(invalid.value)

        with pytest.raises(InvalidRequestError, match="exactly one of 'input', 'message'"):
            await client.invoke()


async def test_a_cut_mid_stream_is_resumed_with_every_event_once(serve: Serve, proxy: Any) -> None:
    base = await serve(mount("fastapi", paced_graph(REPLY, delay=0.02)))
    cut = await proxy(base)
    events: list[Event] = []
    sent: list[tuple[str, str, str | None]] = []

    async def record(request: httpx.Request) -> None:
        sent.append((request.method, request.url.path, request.headers.get("last-event-id")))

    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        client = AsyncClient(cut.url("http"), reconnect=Reconnect(delay=0.1), http_client=http)
        async for event in client.stream("hi", thread_id="cut", stream_mode="messages"):
            events.append(event)
            if len(events) == 8:  # mid-answer: drop the connection for a moment
                cut.cut()
                loop.call_later(0.3, cut.restore)
    run_id = events[0].run_id if isinstance(events[0], MetadataEvent) else ""
    # the run was resumed after the last event seen (refused while the proxy was cut)
    assert sent[0] == ("POST", "/stream", None)
    assert set(sent[1:]) == {("GET", f"/runs/{run_id}/stream", "7")}
    assert seqs(events) == list(range(len(events)))  # no gap, no duplicate
    assert text(events) == REPLY
    assert isinstance(events[-1], DoneEvent) and events[-1].status == "success"
    assert sum(isinstance(e, DoneEvent) for e in events) == 1


async def test_a_stream_cut_again_and_again_still_reads_to_done(serve: Serve, proxy: Any) -> None:
    base = await serve(mount("starlette", paced_graph(REPLY, delay=0.02)))
    cut = await proxy(base)
    events: list[Event] = []
    async with AsyncClient(cut.url("http"), reconnect=Reconnect(delay=0.05)) as client:
        async for event in client.stream("hi", stream_mode="messages"):
            events.append(event)
            if len(events) % 10 == 5:  # every reconnect is cut again after five events
                cut.cut()
                cut.restore()
    assert seqs(events) == list(range(len(events)))
    assert text(events) == REPLY and isinstance(events[-1], DoneEvent)


async def test_on_disconnect_cancel_reads_the_cancelled_end_after_a_cut(
    serve: Serve, proxy: Any
) -> None:
    probe = graphs.LoopProbe()
    base = await serve(mount("fastapi", graphs.endless_graph(probe), stream_mode="custom"))
    cut = await proxy(base)
    events: list[Event] = []
    async with AsyncClient(cut.url("http"), reconnect=Reconnect(delay=0.05)) as client:
        async for event in client.stream("go", on_disconnect="cancel"):
            events.append(event)
            if len(events) == 5:
                cut.cut()  # the server cancels the run as the connection drops
                cut.restore()
    assert probe.cancelled.is_set()
    assert seqs(events) == list(range(len(events)))
    assert isinstance(events[-1], DoneEvent) and events[-1].status == "cancelled"


async def test_reconnects_that_run_out_raise_a_stream_error(serve: Serve, proxy: Any) -> None:
    base = await serve(mount("asgi", paced_graph(REPLY, delay=0.02)))
    cut = await proxy(base)
    events: list[Event] = []
    policy = Reconnect(attempts=2, delay=0.01)
    async with AsyncClient(cut.url("http"), reconnect=policy) as client:
        with pytest.raises(StreamError, match="gave up after 2 reconnects") as broken:
            async for event in client.stream("hi", stream_mode="messages"):
                events.append(event)
                if len(events) == 4:
                    cut.cut()  # and never restored
        run_id = events[0].run_id if isinstance(events[0], MetadataEvent) else None
        assert (broken.value.run_id, broken.value.last_event_id) == (run_id, 3)
        # the run went on meanwhile (the client asked it to): read the rest directly
        async with AsyncClient(base) as direct:
            rest = await collect(direct.join_run(broken.value.run_id or "", last_event_id=3))
    assert text(events + rest) == REPLY and seqs(events + rest) == list(range(len(events + rest)))


async def test_closing_a_stream_before_done_cancels_its_run(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(mount("fastapi", graphs.endless_graph(probe), stream_mode="custom"))
    async with AsyncClient(base) as client:
        stream = client.stream("go", thread_id="close")
        async with contextlib.aclosing(stream):  # type: ignore[type-var]
            async for event in stream:
                if isinstance(event, MetadataEvent):
                    run_id = event.run_id
                if event.seq == 3:
                    break
        await asyncio.wait_for(probe.cancelled.wait(), 5)
        assert (await client.get_run(run_id)).status == "cancelled"


async def test_on_disconnect_continue_keeps_the_run_after_close(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(mount("fastapi", graphs.endless_graph(probe), stream_mode="custom"))
    async with AsyncClient(base) as client:
        stream = client.stream("go", thread_id="keep", on_disconnect="continue")
        async with contextlib.aclosing(stream):  # type: ignore[type-var]
            async for event in stream:
                if isinstance(event, MetadataEvent):
                    run_id = event.run_id
                    break
        await asyncio.sleep(0.2)
        assert (await client.get_run(run_id)).status == "running"
        await client.cancel_run(run_id)


async def test_a_connection_refused_before_the_run_started_is_a_stream_error() -> None:
    async with AsyncClient("http://127.0.0.1:9") as client:
        with pytest.raises(StreamError, match="before the run's id was known") as broken:
            await collect(client.stream("hi"))
    assert isinstance(broken.value.__cause__, httpx.ConnectError)


async def test_own_http_client_and_a_base_path(serve: Serve) -> None:
    from fastapi import FastAPI

    from langgraph_sse import make_router

    app = FastAPI()
    app.include_router(make_router(graphs.chat_graph("Hi there"), prefix="/v1"))
    base = await serve(app)
    async with httpx.AsyncClient(timeout=5) as http:
        client = AsyncClient(base + "/v1/", http_client=http)
        events = await collect(client.stream("hi"))
        await client.aclose()  # not ours to close: http stays open
        assert text(events) == "Hi there"
        assert (await http.get(base + "/v1/healthz")).json() == {"status": "ok"}

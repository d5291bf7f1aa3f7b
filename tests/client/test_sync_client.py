"""`langgraph_sse.client.Client`, the blocking client, against the real server.

The server runs on this test's event loop, so each blocking client runs in a
worker thread (`asyncio.to_thread`)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from langgraph_sse import api_key_auth
from langgraph_sse.client import (
    AuthenticationError,
    Client,
    InvalidRequestError,
    NotFoundError,
    Reconnect,
)
from langgraph_sse.core.events import DoneEvent, Event, InterruptEvent, MetadataEvent, TokenEvent
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


async def test_stream_invoke_resume_and_runs(serve: Serve) -> None:
    base = await serve(mount("starlette", graphs.chat_graph(REPLY, "again")))
    ask = await serve(mount("asgi", graphs.approval_graph()))

    def use() -> None:
        with Client(base) as client:
            events = list(client.stream("hi", thread_id="s1", stream_mode="messages"))
            assert isinstance(events[0], MetadataEvent) and isinstance(events[-1], DoneEvent)
            assert text(events) == REPLY and seqs(events) == list(range(len(events)))

            result = client.invoke("more", thread_id="s1")
            assert result.status == "success"
            assert result.values["messages"][-1]["content"] == "again"
            assert len(client.history("s1", limit=3).checkpoints) == 3

            with pytest.raises(NotFoundError):
                client.get_run("nope")
        with Client(ask) as client:
            first = list(client.stream("mail bob", thread_id="a1"))
            assert any(isinstance(e, InterruptEvent) for e in first)
            resumed = list(client.resume("a1", "yes"))
            assert isinstance(resumed[-1], DoneEvent) and resumed[-1].status == "success"
            state = client.state("a1")
            assert state.values["messages"][-1]["content"] == "human said: yes"
            run = client.create_run("again", thread_id="a2")
            joined = list(client.join_run(run.run_id))
            assert isinstance(joined[-1], DoneEvent) and joined[-1].status == "interrupted"
            assert client.get_run(run.run_id).status == "interrupted"

    await asyncio.to_thread(use)


async def test_refusals_raise_with_the_servers_detail(serve: Serve) -> None:
    base = await serve(mount("fastapi", graphs.chat_graph("hi"), auth=api_key_auth(["sk-1"])))

    def use() -> None:
        with Client(base, api_key="sk-2") as client, pytest.raises(AuthenticationError) as error:
            list(client.stream("hi"))
        assert (error.value.status_code, error.value.detail) == (401, "Invalid API key")
        with Client(base, api_key="sk-1") as client:
            with pytest.raises(NotFoundError, match="Thread 'nope' not found"):
                client.state("nope")
            with pytest.raises(InvalidRequestError, match=r"body\.subgraphs: Input should be"):
                list(client.stream("hi", subgraphs="yes"))  # type: ignore[arg-type]

    await asyncio.to_thread(use)


async def test_a_cut_mid_stream_is_resumed_with_every_event_once(serve: Serve) -> None:
    base = await serve(mount("fastapi", paced_graph(REPLY, delay=0.02)))
    proxy = await Proxy(int(base.rsplit(":", 1)[1])).start()
    loop = asyncio.get_running_loop()
    restored = threading.Event()

    def use() -> list[Event]:
        events: list[Event] = []
        with Client(proxy.url("http"), reconnect=Reconnect(delay=0.1)) as client:
            for event in client.stream("hi", stream_mode="messages"):
                events.append(event)
                if len(events) == 6:
                    loop.call_soon_threadsafe(proxy.cut)
                    loop.call_soon_threadsafe(
                        lambda: loop.call_later(0.3, lambda: (proxy.restore(), restored.set()))
                    )
        return events

    try:
        events = await asyncio.to_thread(use)
    finally:
        await proxy.close()
    assert restored.is_set()
    assert seqs(events) == list(range(len(events)))
    assert text(events) == REPLY
    assert isinstance(events[-1], DoneEvent) and events[-1].status == "success"


async def test_leaving_a_stream_before_done_cancels_its_run(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(mount("asgi", graphs.endless_graph(probe), stream_mode="custom"))

    def use() -> str:
        with Client(base) as client:
            for event in client.stream("go", thread_id="leave"):
                if isinstance(event, MetadataEvent):
                    run_id = event.run_id
                if event.seq == 3:
                    break  # the generator is closed: the client cancels the run
            return run_id

    run_id = await asyncio.to_thread(use)
    await asyncio.wait_for(probe.cancelled.wait(), 5)

    def status() -> str:
        with Client(base) as client:
            return client.get_run(run_id).status

    assert await asyncio.to_thread(status) == "cancelled"

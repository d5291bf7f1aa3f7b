"""Runs decoupled from connections: background runs, joining, resuming with
Last-Event-ID, cancelling, one active run per thread, shutdown."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langgraph_sse import api_key_auth
from tests import graphs
from tests.apps import ADAPTERS, mount
from tests.conftest import Serve, asgi_client, read_events, text, types

REPLY = " ".join(f"word{i}" for i in range(40))


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events]


async def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_background_run_then_join_its_stream(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph(REPLY))
    async with asgi_client(app) as client:
        created = await client.post("/runs", json={"message": "hi", "thread_id": "b1"})
        assert created.status_code == 202
        info = created.json()
        assert info["thread_id"] == "b1" and info["status"] in ("pending", "running", "success")
        events = await read_events(client, "GET", f"/runs/{info['run_id']}/stream")
        assert types(events)[0] == "metadata" and events[0]["run_id"] == info["run_id"]
        assert text(events) == REPLY and events[-1]["status"] == "success"
        assert seqs(events) == list(range(len(events)))
        status = (await client.get(f"/runs/{info['run_id']}")).json()
        assert status == {
            "run_id": info["run_id"],
            "thread_id": "b1",
            "status": "success",
            "events": len(events),
        }
        # a finished run stays replayable, from any point
        tail = await read_events(
            client, "GET", f"/runs/{info['run_id']}/stream", headers={"Last-Event-ID": "10"}
        )
        assert seqs(tail) == list(range(11, len(events)))
        query = await read_events(client, "GET", f"/runs/{info['run_id']}/stream?last_event_id=10")
        assert query == tail


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_unknown_runs_and_bad_ids(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph(REPLY))
    async with asgi_client(app) as client:
        for method, url in [
            ("GET", "/runs/nope"),
            ("GET", "/runs/nope/stream"),
            ("POST", "/runs/nope/cancel"),
        ]:
            response = await client.request(method, url)
            assert response.status_code == 404 and response.json() == {
                "detail": "Run 'nope' not found"
            }
        run_id = (await client.post("/runs", json={"message": "hi"})).json()["run_id"]
        bad = await client.get(f"/runs/{run_id}/stream", headers={"Last-Event-ID": "abc"})
        assert bad.status_code == 422 and "last-event-id" in json.dumps(bad.json())


async def test_runs_are_private_to_their_principal() -> None:
    keys = {"ka": "alice", "kb": "bob"}
    app = mount("asgi", graphs.chat_graph(REPLY), auth=api_key_auth(keys))
    async with asgi_client(app) as client:
        run_id = (
            await client.post("/runs", json={"message": "hi"}, headers={"X-API-Key": "ka"})
        ).json()["run_id"]
        for method, url in [
            ("GET", f"/runs/{run_id}"),
            ("GET", f"/runs/{run_id}/stream"),
            ("POST", f"/runs/{run_id}/cancel"),
        ]:
            assert (
                await client.request(method, url, headers={"X-API-Key": "kb"})
            ).status_code == 404
            assert (await client.request(method, url)).status_code == 401
        assert (await client.get(f"/runs/{run_id}", headers={"X-API-Key": "ka"})).status_code == 200


@pytest.fixture(scope="module")
def reference_tokens() -> str:
    return REPLY


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(k=st.integers(min_value=1, max_value=45))
async def test_reconnect_with_last_event_id_loses_and_repeats_nothing(serve: Serve, k: int) -> None:
    base = await serve(mount("asgi", graphs.chat_graph(REPLY)))
    async with httpx.AsyncClient(base_url=base) as client:
        first: list[dict[str, Any]] = []
        body = {"message": "hi", "on_disconnect": "continue"}
        async with aconnect_sse(client, "POST", "/stream", json=body) as source:
            async for sse in source.aiter_sse():
                first.append(json.loads(sse.data))
                if len(first) == k or first[-1]["type"] == "done":
                    break
        # the connection dropped after k frames; the run went on
        run_id = first[0]["run_id"]
        resume = {"Last-Event-ID": str(first[-1]["seq"])}
        if first[-1]["type"] == "done":  # it was all there: nothing more to read
            over = await client.get(f"/runs/{run_id}/stream", headers=resume)
            assert over.status_code == 204
            rest = []
        else:
            rest = await read_events(client, "GET", f"/runs/{run_id}/stream", headers=resume)
    events = first + rest
    assert seqs(events) == list(range(len(events)))  # no gap, no duplicate
    assert text(events) == REPLY and events[-1]["status"] == "success"


async def test_cancel_stops_the_run_within_a_step(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(mount("fastapi", graphs.endless_graph(probe), stream_mode="custom"))
    async with httpx.AsyncClient(base_url=base) as client:
        run_id = (await client.post("/runs", json={"message": "go", "thread_id": "c1"})).json()[
            "run_id"
        ]
        watched: list[dict[str, Any]] = []

        async def watch() -> None:
            watched.extend(await read_events(client, "GET", f"/runs/{run_id}/stream"))

        watcher = asyncio.create_task(watch())
        await asyncio.wait_for(probe.started.wait(), 5)
        await asyncio.sleep(0.1)
        cancelled = await client.post(f"/runs/{run_id}/cancel")
        assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
        assert probe.cancelled.is_set()
        await asyncio.wait_for(watcher, 5)
        assert watched[-1] == {
            "type": "done",
            "seq": watched[-1]["seq"],
            "ns": [],
            "status": "cancelled",
        }
        assert "custom" in types(watched)
        assert (await client.get(f"/runs/{run_id}")).json()["status"] == "cancelled"
        # the thread is free again
        again = await client.post("/runs", json={"message": "go", "thread_id": "c1"})
        assert again.status_code == 202
        await client.post(f"/runs/{again.json()['run_id']}/cancel")


async def test_one_active_run_per_thread_and_multitask_strategies(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(mount("asgi", graphs.endless_graph(probe), stream_mode="custom"))
    async with httpx.AsyncClient(base_url=base) as client:
        first = (await client.post("/runs", json={"message": "go", "thread_id": "m1"})).json()
        busy = await client.post("/stream", json={"message": "again", "thread_id": "m1"})
        assert busy.status_code == 409 and first["run_id"] in busy.json()["detail"]
        assert (
            await client.post("/invoke", json={"message": "x", "thread_id": "m1"})
        ).status_code == 409
        other = await client.post("/runs", json={"message": "go", "thread_id": "m2"})
        assert other.status_code == 202  # other threads are not affected

        second = await client.post(
            "/runs", json={"message": "again", "thread_id": "m1", "multitask_strategy": "interrupt"}
        )
        assert second.status_code == 202
        await wait_until(lambda: _status(client, first["run_id"], "cancelled"))
        await wait_until(lambda: _status(client, second.json()["run_id"], "running"))

        queued = await client.post(
            "/runs", json={"message": "later", "thread_id": "m1", "multitask_strategy": "enqueue"}
        )
        assert queued.json()["status"] == "pending"
        await client.post(f"/runs/{second.json()['run_id']}/cancel")
        await wait_until(lambda: _status(client, queued.json()["run_id"], "running"))
        for run_id in (queued.json()["run_id"], other.json()["run_id"]):
            await client.post(f"/runs/{run_id}/cancel")


async def _status(client: httpx.AsyncClient, run_id: str, status: str) -> bool:
    return (await client.get(f"/runs/{run_id}")).json()["status"] == status


async def test_enqueued_run_starts_after_the_active_one_finishes() -> None:
    app = mount("asgi", graphs.chat_graph("first answer", "second answer"))
    async with asgi_client(app) as client:
        one = (await client.post("/runs", json={"message": "a", "thread_id": "q1"})).json()
        two = (
            await client.post(
                "/runs", json={"message": "b", "thread_id": "q1", "multitask_strategy": "enqueue"}
            )
        ).json()
        first = await read_events(client, "GET", f"/runs/{one['run_id']}/stream")
        second = await read_events(client, "GET", f"/runs/{two['run_id']}/stream")
        assert text(first) == "first answer" and text(second) == "second answer"
        state = (await client.get("/threads/q1/state")).json()
        assert [m["content"] for m in state["values"]["messages"]] == [
            "a",
            "first answer",
            "b",
            "second answer",
        ]


async def test_stream_with_on_disconnect_continue_keeps_running(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    base = await serve(mount("starlette", graphs.endless_graph(probe), stream_mode="custom"))
    async with httpx.AsyncClient(base_url=base) as client:
        body = {"message": "go", "on_disconnect": "continue"}
        async with aconnect_sse(client, "POST", "/stream", json=body) as source:
            async for sse in source.aiter_sse():
                run_id = json.loads(sse.data)["run_id"]
                break
        await asyncio.sleep(0.2)
        assert not probe.cancelled.is_set()
        assert (await client.get(f"/runs/{run_id}")).json()["status"] == "running"
        await client.post(f"/runs/{run_id}/cancel")
        assert probe.cancelled.is_set()


async def test_shutdown_ends_open_streams_with_a_shutdown_error(serve: Serve) -> None:
    from langgraph_sse import GraphService, make_routes

    probe = graphs.LoopProbe()
    service = GraphService(graphs.endless_graph(probe), stream_mode="custom")
    events: list[dict[str, Any]] = []
    from starlette.applications import Starlette

    base = await serve(Starlette(routes=make_routes(service)))
    async with httpx.AsyncClient(base_url=base) as client:
        async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
            async for sse in source.aiter_sse():
                events.append(json.loads(sse.data))
                if len(events) == 3:
                    await service.shutdown()
        assert types(events)[-2:] == ["error", "done"]
        assert events[-2]["error"] == "shutdown" and events[-1]["status"] == "error"
        assert seqs(events) == list(range(len(events)))
        assert probe.cancelled.is_set()


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_last_event_ids_a_run_never_sent_are_422(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph(REPLY))
    async with asgi_client(app) as client:
        run_id = (await client.post("/runs", json={"message": "hi"})).json()["run_id"]
        events = await read_events(client, "GET", f"/runs/{run_id}/stream")
        last = events[-1]["seq"]
        for bad in ("-1", str(last + 1), "1000000", "1.5"):
            response = await client.get(f"/runs/{run_id}/stream", headers={"Last-Event-ID": bad})
            assert response.status_code == 422, bad
        # Read to its end: 204, which tells an EventSource to stop reconnecting.
        over = await client.get(f"/runs/{run_id}/stream", headers={"Last-Event-ID": str(last)})
        assert over.status_code == 204 and over.content == b""
        over = await client.get(f"/runs/{run_id}/stream", params={"last_event_id": str(last)})
        assert over.status_code == 204


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_the_run_of_an_invoke_can_be_followed(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("invoked"))
    async with asgi_client(app) as client:
        run_id = (await client.post("/invoke", json={"message": "hi"})).json()["run_id"]
        info = (await client.get(f"/runs/{run_id}")).json()
        events = await read_events(client, "GET", f"/runs/{run_id}/stream")
    assert info["status"] == "success" and info["events"] == len(events)
    assert types(events)[0] == "metadata" and types(events)[-1] == "done"
    assert events[-2]["data"]["messages"][-1]["content"] == "invoked"  # its values


async def test_integers_beyond_64_bits_are_refused() -> None:
    async with asgi_client(mount("fastapi", graphs.chat_graph("x"))) as client:
        for body in (
            {"input": {"messages": [], "n": 2**64}},
            {"thread_id": "t", "command": {"resume": -(2**63) - 1}},
        ):
            response = await client.post("/invoke", json=body)
            assert response.status_code == 422 and "64 bits" in response.text


async def test_an_empty_last_event_id_means_from_the_start() -> None:
    async with asgi_client(mount("asgi", graphs.chat_graph(REPLY))) as client:
        run_id = (await client.post("/runs", json={"message": "hi"})).json()["run_id"]
        whole = await read_events(client, "GET", f"/runs/{run_id}/stream")
        assert (
            await read_events(
                client, "GET", f"/runs/{run_id}/stream", headers={"Last-Event-ID": ""}
            )
            == whole
        )
        assert await read_events(client, "GET", f"/runs/{run_id}/stream?last_event_id=") == whole

"""One GraphService mounted several times: one run registry, one rule per thread."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx_sse import aconnect_sse
from starlette.applications import Starlette
from starlette.routing import Mount

from langgraph_sse import GraphService, JSONFormat, NativeProtocol, make_router, make_routes
from tests import graphs
from tests.conftest import Serve


def shared_app(service: GraphService) -> FastAPI:
    """The same service under /a (FastAPI router) and /b (Starlette routes)."""
    app = FastAPI()
    app.include_router(make_router(service, prefix="/a"))
    app.mount("/b", Starlette(routes=make_routes(service)))
    return app


async def test_a_run_started_through_one_mount_makes_the_thread_busy_through_the_other(
    serve: Serve,
) -> None:
    probe = graphs.LoopProbe()
    service = GraphService(graphs.endless_graph(probe), stream_mode="custom")
    base = await serve(shared_app(service))
    async with httpx.AsyncClient(base_url=base) as client:
        started = await client.post("/a/runs", json={"message": "go", "thread_id": "t1"})
        assert started.status_code == 202
        run_id = started.json()["run_id"]

        busy = await client.post("/b/stream", json={"message": "again", "thread_id": "t1"})
        assert busy.status_code == 409
        assert run_id in busy.json()["detail"]
        busy_invoke = await client.post("/b/invoke", json={"message": "x", "thread_id": "t1"})
        assert busy_invoke.status_code == 409

        # one registry: the other mount finds, follows and cancels the run
        assert (await client.get(f"/b/runs/{run_id}")).json()["status"] == "running"
        async with aconnect_sse(client, "GET", f"/b/runs/{run_id}/stream") as source:
            first = json.loads((await anext(source.aiter_sse())).data)
        assert first == {**first, "type": "metadata", "run_id": run_id, "thread_id": "t1"}
        cancelled = await client.post(f"/b/runs/{run_id}/cancel")
        assert cancelled.json()["status"] == "cancelled"
        assert probe.cancelled.is_set()
        again = await client.post("/a/runs", json={"message": "go", "thread_id": "t1"})
        assert again.status_code == 202
        await client.post(f"/a/runs/{again.json()['run_id']}/cancel")


async def test_the_open_stream_cap_counts_streams_of_every_mount(serve: Serve) -> None:
    from langgraph_sse import Limits

    probe = graphs.LoopProbe()
    service = GraphService(
        graphs.endless_graph(probe),
        stream_mode="custom",
        limits=Limits(max_streams_per_principal=1),
    )
    base = await serve(shared_app(service))
    async with (
        httpx.AsyncClient(base_url=base) as client,
        aconnect_sse(client, "POST", "/a/stream", json={"message": "go"}) as source,
    ):
        await anext(source.aiter_sse())
        refused = await client.post("/b/stream", json={"message": "go"})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"


def test_service_options_go_to_the_service_not_the_mount() -> None:
    service = GraphService(graphs.chat_graph("x"))
    with pytest.raises(TypeError, match="stream_mode"):
        make_routes(service, stream_mode="values")
    # how runs stream is the mount's to say
    assert make_routes(service, ping_interval=5, flush_interval=0)


def test_protocols_by_name_or_object() -> None:
    graph = graphs.chat_graph("x")
    with pytest.raises(ValueError, match="Unknown protocol 'smoke-signals'"):
        make_routes(graph, protocol="smoke-signals")
    with pytest.raises(TypeError, match="wire_format"):
        make_routes(graph, protocol=NativeProtocol(), wire_format=JSONFormat())
    names = [route.name for route in make_routes(graph, protocol=NativeProtocol())]  # type: ignore[attr-defined]
    assert names == [
        "stream",
        "stream_get",
        "invoke",
        "thread_state",
        "thread_history",
        "create_run",
        "run_info",
        "join_run",
        "cancel_run",
        "healthz",
    ]


async def test_make_routes_lifespan_ends_open_streams_with_a_shutdown_error(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    routes = make_routes(graphs.endless_graph(probe), stream_mode="custom")
    app = Starlette(routes=[Mount("/agent", routes=routes)], lifespan=routes.lifespan)
    base = await serve(app)  # (its lifespan is run by hand below)
    events: list[dict[str, Any]] = []
    lifespan = routes.lifespan(app)
    await lifespan.__aenter__()
    async with (
        httpx.AsyncClient(base_url=base) as client,
        aconnect_sse(client, "POST", "/agent/stream", json={"message": "go"}) as source,
    ):
        async for sse in source.aiter_sse():
            events.append(json.loads(sse.data))
            if len(events) == 3:
                await lifespan.__aexit__(None, None, None)  # the app stops
    assert [e["type"] for e in events[-2:]] == ["error", "done"]
    assert events[-2]["error"] == "shutdown" and events[-1]["status"] == "error"
    assert probe.cancelled.is_set()

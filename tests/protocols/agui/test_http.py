"""The AG-UI endpoint as HTTP: the three adapters agree, bad bodies get a 422
naming the field, and a thread is its owner's (auth and ownership are the
library's, whichever protocol asks)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from langgraph.checkpoint.memory import InMemorySaver
from starlette.applications import Starlette
from starlette.routing import Mount

from langgraph_sse import GraphService, api_key_auth, make_asgi_app, make_router, make_routes
from tests import agent_graph
from tests.conftest import Serve, asgi_client
from tests.protocols.agui.conftest import KEYS, check_stream, post_run, run_input, texts

pytestmark = pytest.mark.timeout(60)

ALICE = {"x-api-key": "key-alice"}
BOB = {"x-api-key": "key-bob"}


def graph() -> Any:
    built = agent_graph.build()
    built.checkpointer = InMemorySaver()
    return built


def shape(events: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The events without their generated ids: what must agree between adapters."""
    keep = ("stepName", "delta", "name", "toolCallName", "content", "role")
    return [(e["type"], *(str(e[k]) for k in keep if k in e)) for e in events]


async def test_fastapi_starlette_and_asgi_agree() -> None:
    fastapi_app = FastAPI()
    fastapi_app.include_router(make_router(graph(), protocol="ag-ui", prefix="/agui"))
    starlette_app = Starlette(
        routes=[Mount("/agui", routes=make_routes(graph(), protocol="ag-ui"))]
    )
    asgi_app = make_asgi_app(graph(), protocol="ag-ui")
    shapes = []
    for app, url in ((fastapi_app, "/agui"), (starlette_app, "/agui/"), (asgi_app, "/")):
        async with asgi_client(app) as client:
            for text in ("hi", "weather?", "approve", "boom"):
                events = await post_run(client, url, run_input(f"t-{text}", text))
                check_stream(events)
                shapes.append(shape(events))
    assert shapes[:4] == shapes[4:8] == shapes[8:]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"threadId": None}, ["body", "threadId"]),
        ({"threadId": ""}, ["body", "threadId"]),
        ({"threadId": "a\nb"}, ["body", "threadId"]),
        ({"runId": 5}, ["body", "runId"]),
        ({"messages": "hi"}, ["body", "messages"]),
        ({"messages": [{"id": "m", "role": "user"}]}, ["body", "messages", 0, "user", "content"]),
        ({"messages": [{"id": "m", "role": "robot", "content": "x"}]}, ["body", "messages", 0]),
        ({"resume": [{"interruptId": "i", "status": "maybe"}]}, ["body", "resume", 0, "status"]),
    ],
)
async def test_bad_bodies_are_422_naming_the_field(change: dict[str, Any], loc: list[Any]) -> None:
    body = {**run_input("t", "hi"), **change}
    body = {key: value for key, value in body.items() if value is not None}
    async with asgi_client(make_asgi_app(graph(), protocol="ag-ui")) as client:
        response = await client.post("/", json=body)
    assert response.status_code == 422, response.text
    assert loc in [error["loc"] for error in response.json()["detail"]], response.json()


async def test_unsupported_part_and_long_message_are_422() -> None:
    from langgraph_sse import Limits

    app = make_asgi_app(graph(), protocol="ag-ui", limits=Limits(max_message_chars=10))
    audio = {"type": "audio", "source": {"type": "url", "value": "http://x/a.mp3"}}
    body = run_input("t", "hi")
    body["messages"][0]["content"] = [{"type": "text", "text": "listen"}, audio]
    async with asgi_client(app) as client:
        part = await client.post("/", json=body)
        long = await client.post("/", json=run_input("t", "x" * 11))
        not_json = await client.post(
            "/", content=b"{", headers={"content-type": "application/json"}
        )
    assert part.status_code == 422
    assert part.json()["detail"][0]["loc"] == ["body", "messages", 0, "content", 1]
    assert long.status_code == 422
    assert long.json()["detail"][0]["loc"] == ["body", "messages", 0, "content"]
    assert not_json.status_code == 422


async def test_a_thread_is_its_owners(serve: Serve) -> None:
    service = GraphService(graph(), auth=api_key_auth(KEYS))
    app = FastAPI()
    app.include_router(make_router(service, protocol="ag-ui", prefix="/agui"))
    app.include_router(make_router(service, prefix="/native"))
    base = await serve(app)
    thread_id = f"alice-{uuid.uuid4()}"
    async with httpx.AsyncClient(base_url=base) as client:
        nobody = await client.post("/agui", json=run_input(thread_id, "hi"))
        assert nobody.status_code == 401
        events = await post_run(client, "/agui", run_input(thread_id, "hi"), headers=ALICE)
        check_stream(events)
        # Bob can neither run on Alice's thread nor read it, through any protocol.
        run = await client.post("/agui", json=run_input(thread_id, "hi"), headers=BOB)
        assert run.status_code == 404, run.text
        resume = [{"interruptId": "x", "status": "resolved", "payload": 1}]
        answer = await client.post("/agui", json=run_input(thread_id, resume=resume), headers=BOB)
        assert answer.status_code == 404
        state = await client.get(f"/native/threads/{thread_id}/state", headers=BOB)
        assert state.status_code == 404
        mine = await client.get(f"/native/threads/{thread_id}/state", headers=ALICE)
        assert mine.status_code == 200
        # Alice's thread goes on; nothing to resume is a 409.
        again = await post_run(client, "/agui", run_input(thread_id, "hi"), headers=ALICE)
        assert texts(again)[0] == agent_graph.REPLY
        nothing = await client.post(
            "/agui", json=run_input(thread_id, resume=resume), headers=ALICE
        )
        assert nothing.status_code == 409


async def test_a_busy_thread_is_409_and_leaving_cancels_the_run(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOW_TOKEN_SECONDS", "0.2")
    service = GraphService(graph())
    base = await serve(make_asgi_app(service, protocol="ag-ui"))
    thread_id = f"slow-{uuid.uuid4()}"
    async with httpx.AsyncClient(base_url=base) as client:
        async with client.stream("POST", "/", json=run_input(thread_id, "slow")) as response:
            async for line in response.aiter_lines():
                if "TEXT_MESSAGE_CONTENT" in line:
                    break
            busy = await client.post("/", json=run_input(thread_id, "hi"))
            assert busy.status_code == 409
            assert service.active_runs == 1
        for _ in range(100):  # the client left: the run is cancelled
            if service.active_runs == 0:
                break
            await asyncio.sleep(0.05)
        assert service.active_runs == 0


async def test_limits_on_clients_stream_modes_do_not_refuse_the_protocols_own() -> None:
    # Limits.stream_modes bounds what clients ask for; an AG-UI client asks for none,
    # and its runs stream the modes the encoder reads (messages, tasks, custom, values).
    from langgraph_sse import Limits

    app = make_asgi_app(
        graph(), protocol="ag-ui", limits=Limits(stream_modes=frozenset({"values"}))
    )
    async with asgi_client(app) as client:
        events = await post_run(client, "/", run_input("limited", "hi"))
    check_stream(events)
    assert texts(events) == [agent_graph.REPLY, agent_graph.SUBGRAPH_REPLY]
    kinds = {event["type"] for event in events}
    assert {"STEP_STARTED", "CUSTOM", "STATE_SNAPSHOT"} <= kinds, kinds  # tasks, custom, values

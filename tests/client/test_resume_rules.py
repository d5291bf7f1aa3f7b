"""How the client reads what a server may send around a drop, against a scripted
ASGI app (httpx's ASGI transport): a relay's stop notice (an `error` and `done`
without SSE ids), a stream that ends without `done`, a `204` where `done` was due,
frames repeated after a reconnect."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from langgraph_sse.client import AsyncClient, Reconnect, StreamError
from langgraph_sse.core.events import Event

RUN = "r1"


def frame(event: dict[str, Any], *, with_id: bool = True) -> str:
    lines = [f"event: {event['type']}"]
    if with_id:
        lines.append(f"id: {event['seq']}")
    return "\n".join([*lines, f"data: {json.dumps({'ns': [], **event})}", "", ""])


META = {"type": "metadata", "seq": 0, "run_id": RUN, "thread_id": "t"}


def token(seq: int) -> dict[str, Any]:
    return {"type": "token", "seq": seq, "text": f"w{seq} "}


def done(seq: int, status: str = "success") -> dict[str, Any]:
    return {"type": "done", "seq": seq, "status": status}


Script = Callable[[Request], Response]
QUICK = Reconnect(delay=0.01)


def sse(*frames: str) -> Response:
    async def body() -> AsyncIterator[str]:
        for text in frames:
            yield text

    return StreamingResponse(body(), media_type="text/event-stream", headers={"X-Run-Id": RUN})


def client_of(
    on_post: Script,
    on_join: Script,
    seen: list[str | None],
    reconnect: Reconnect = QUICK,
) -> AsyncClient:
    async def post(request: Request) -> Response:
        return on_post(request)

    async def join(request: Request) -> Response:
        seen.append(request.headers.get("last-event-id"))
        return on_join(request)

    app = Starlette(
        routes=[
            Route("/stream", post, methods=["POST"]),
            Route("/runs/{run_id}/stream", join, methods=["GET"]),
            Route("/runs/{run_id}/cancel", post, methods=["POST"]),
        ]
    )
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return AsyncClient("http://test", http_client=http, reconnect=reconnect)


async def read(client: AsyncClient) -> list[Event]:
    return [event async for event in client.stream("hi")]


async def test_a_relays_stop_notice_is_not_the_runs_end() -> None:
    seen: list[str | None] = []
    notice = [
        frame({"type": "error", "seq": 2, "error": "shutdown", "message": "bye"}, with_id=False),
        frame(done(3, "error"), with_id=False),
    ]
    client = client_of(
        lambda r: sse(frame(META), frame(token(1)), *notice),
        lambda r: sse(frame(token(2)), frame(done(3))),
        seen,
    )
    events = await read(client)
    assert [(e.type, e.seq) for e in events] == [
        ("metadata", 0),
        ("token", 1),
        ("token", 2),
        ("done", 3),
    ]
    assert seen == ["1"]


async def test_a_stream_that_ends_without_done_is_resumed_and_repeats_are_dropped() -> None:
    seen: list[str | None] = []
    client = client_of(
        lambda r: sse(frame(META), frame(token(1)), frame(token(2))),
        # a server that sends again what came before: yielded once all the same
        lambda r: sse(frame(token(2)), frame(token(3)), frame(done(4))),
        seen,
    )
    events = await read(client)
    assert [e.seq for e in events] == [0, 1, 2, 3, 4]
    assert seen == ["2"]


async def test_a_204_where_done_was_due_is_a_stream_error() -> None:
    seen: list[str | None] = []
    client = client_of(
        lambda r: sse(frame(META), frame(token(1))),
        lambda r: Response(status_code=204),
        seen,
    )
    with pytest.raises(StreamError, match="its done event never arrived") as error:
        await read(client)
    assert (error.value.run_id, error.value.last_event_id) == (RUN, 1)


async def test_a_join_answered_503_is_tried_again() -> None:
    seen: list[str | None] = []
    answers = iter(
        [
            Response('{"detail": "Redis is unavailable"}', 503, {"Retry-After": "0"}),
            sse(frame(token(1)), frame(done(2))),
        ]
    )
    client = client_of(lambda r: sse(frame(META)), lambda r: next(answers), seen)
    events = await read(client)
    assert [e.seq for e in events] == [0, 1, 2]
    assert seen == ["0", "0"]


async def test_the_notice_is_told_when_the_reconnects_run_out() -> None:
    seen: list[str | None] = []
    notice = [
        frame(
            {"type": "error", "seq": 1, "error": "unavailable", "message": "no Redis"},
            with_id=False,
        ),
        frame(done(2, "error"), with_id=False),
    ]
    client = client_of(
        lambda r: sse(frame(META), *notice),
        lambda r: sse(*notice),
        seen,
        Reconnect(attempts=2, delay=0.01),
    )
    with pytest.raises(StreamError, match=r"gave up after 2 reconnects \(unavailable: no Redis\)"):
        await read(client)
    assert seen == ["0", "0"]

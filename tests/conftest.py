"""Shared fixtures: HTTP clients over ASGI, apps on a real uvicorn server in this
process (`serve`) and in a subprocess (`spawn`)."""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import uvicorn
from httpx_sse import ServerSentEvent, aconnect_sse
from starlette.types import ASGIApp

from tests.servers import Server, launch, stop_servers, wait_healthy


def asgi_client(app: ASGIApp) -> httpx.AsyncClient:
    """An httpx client talking to ``app`` in process (httpx's ASGI transport)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def read_sse(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> list[ServerSentEvent]:
    """Every SSE frame of one streamed response, parsed by httpx-sse."""
    async with aconnect_sse(client, method, url, **kwargs) as source:
        assert source.response.status_code == 200, await source.response.aread()
        return [sse async for sse in source.aiter_sse()]


async def read_events(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> list[dict[str, Any]]:
    """The JSON payload of every frame, checked against the frame's event and id."""
    events = []
    for sse in await read_sse(client, method, url, **kwargs):
        payload = json.loads(sse.data)
        assert sse.event == payload["type"]
        assert sse.id == str(payload["seq"])
        events.append(payload)
    return events


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def text(events: list[dict[str, Any]]) -> str:
    return "".join(e["text"] for e in events if e["type"] == "token")


Serve = Callable[[ASGIApp], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start apps on a real uvicorn server on 127.0.0.1 (a free port); gives the base URL."""
    running: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
    # uvicorn swaps the signal handlers while it serves; servers stopped out of
    # order can leave a stopped server's handler installed, which sse-starlette
    # would read as "shutting down". Put back what was there.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    async def start(app: ASGIApp) -> str:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        running.append((server, task))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, task in running:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


class Spawn(Protocol):
    async def __call__(
        self,
        app: str,
        *,
        env: dict[str, str] | None = None,
        health: str = "/healthz",
        timeout: float = 30.0,
    ) -> Server: ...


@pytest.fixture
async def spawn(tmp_path: Path) -> AsyncIterator[Spawn]:
    """Serve apps with uvicorn in subprocesses on 127.0.0.1 (a free port each).

    `await spawn("tests.crash_app:app", env={...}, health="/healthz")` starts one,
    waits until `GET <health>` answers 200 (failing with its log if it exits or
    does not within `timeout` seconds) and gives a `Server`: `.url`, `.process`,
    `.log` (its stdout and stderr). Every server is stopped at the end: SIGTERM,
    then SIGKILL after 10 s.
    """
    servers: list[Server] = []
    numbers = itertools.count()

    async def start(
        app: str,
        *,
        env: dict[str, str] | None = None,
        health: str = "/healthz",
        timeout: float = 30.0,
    ) -> Server:
        log = tmp_path / f"uvicorn-{next(numbers)}-{app.split(':')[0]}.log"
        server = launch(app, log, env)
        servers.append(server)  # stopped at the end even if it never gets healthy
        await wait_healthy(server, health, timeout)
        return server

    try:
        yield start
    finally:
        stop_servers(servers)

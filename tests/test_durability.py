"""Threads survive a crash: `kill -9` the server mid-run, restart it on the same
database, and the thread's state and history are intact up to the last
checkpoint, and the thread can go on. SQLite, and PostgreSQL when it runs here."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse

from tests.conftest import read_events, types

POSTGRES = os.environ.get(
    "LANGGRAPH_SSE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _reachable(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Start = Callable[[dict[str, str]], Awaitable[tuple[subprocess.Popen[bytes], str]]]


@pytest.fixture
async def start_server() -> AsyncIterator[Start]:
    """Start `tests.crash_app` with uvicorn in a subprocess; gives (process, base URL)."""
    processes: list[subprocess.Popen[bytes]] = []

    async def start(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
        port = _free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tests.crash_app:app",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env={**os.environ, **env},
            cwd=Path(__file__).parent.parent,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient(base_url=base) as client:
            while True:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return process, base
                except httpx.TransportError:
                    pass
                assert process.poll() is None, "the server died on start"
                assert time.monotonic() < deadline, "the server did not start"
                await asyncio.sleep(0.1)

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_kill_9_mid_run_keeps_the_thread(
    start_server: Start, backend: str, tmp_path: Path
) -> None:
    if backend == "postgres":
        if not _reachable("127.0.0.1", 5432):
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        env = {"CRASH_POSTGRES": POSTGRES}
    else:
        env = {"CRASH_SQLITE": str(tmp_path / "threads.sqlite")}
    thread = f"crash-{uuid.uuid4()}"

    process, base = await start_server({**env, "CRASH_THINK_SECONDS": "60"})
    async with httpx.AsyncClient(base_url=base) as client:
        run = (
            await client.post("/runs", json={"message": "remember me", "thread_id": thread})
        ).json()
        assert run["status"] in ("pending", "running")
        deadline = time.monotonic() + 10
        while True:  # until the first step is checkpointed and the second is running
            state = await client.get(f"/threads/{thread}/state")
            if state.status_code == 200 and state.json()["next"] == ["think"]:
                break
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)

    _, base = await start_server({**env, "CRASH_THINK_SECONDS": "0"})
    async with httpx.AsyncClient(base_url=base) as client:
        state: dict[str, Any] = (await client.get(f"/threads/{thread}/state")).json()
        assert [m["content"] for m in state["values"]["messages"]] == [
            "remember me",
            "remembered: remember me",
        ]
        assert state["next"] == ["think"]  # the step that was cut short
        history = (await client.get(f"/threads/{thread}/history")).json()["checkpoints"]
        assert [c["next"] for c in history] == [["think"], ["remember"], ["__start__"]]
        assert (
            await client.get(f"/runs/{run['run_id']}")
        ).status_code == 404  # runs do not outlive it

        # the thread goes on from its last checkpoint
        events = await read_events(
            client, "POST", "/stream", json={"thread_id": thread, "input": None}
        )
        assert types(events)[-1] == "done" and events[-1]["status"] == "success"
        assert [e["node"] for e in events if e["type"] == "updates"] == ["think"]
        after = (await client.get(f"/threads/{thread}/state")).json()
        assert (
            after["next"] == []
            and after["values"]["messages"][-1]["content"] == "thought it through"
        )
        more = await read_events(
            client, "POST", "/stream", json={"thread_id": thread, "message": "again"}
        )
        assert more[-1]["status"] == "success"


async def test_sigterm_ends_open_streams_with_a_shutdown_error(
    start_server: Start, tmp_path: Path
) -> None:
    process, base = await start_server(
        {"CRASH_SQLITE": str(tmp_path / "t.sqlite"), "CRASH_THINK_SECONDS": "60"}
    )
    events: list[dict[str, Any]] = []
    async with (
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        aconnect_sse(client, "POST", "/stream", json={"message": "hi"}) as source,
    ):
        async for sse in source.aiter_sse():
            events.append(json.loads(sse.data))
            if events[-1]["type"] == "updates":  # remembered; now thinking for a minute
                process.send_signal(signal.SIGTERM)
    assert types(events)[-2:] == ["error", "done"]
    assert events[-2]["error"] == "shutdown" and events[-1]["status"] == "error"
    # uvicorn shut down gracefully (and re-raised SIGTERM, as it does)
    assert process.wait(timeout=15) in (0, -signal.SIGTERM)

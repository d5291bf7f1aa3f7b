"""Threads survive a crash: `kill -9` the server mid-run, restart it on the same
database, and the thread's state and history are intact up to the last
checkpoint, and the thread can go on. SQLite, and PostgreSQL when it runs here."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse

from tests.conftest import Spawn, read_events, types
from tests.servers import POSTGRES, needs_postgres

CRASH_APP = "tests.crash_app:app"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=needs_postgres)])
async def test_kill_9_mid_run_keeps_the_thread(spawn: Spawn, backend: str, tmp_path: Path) -> None:
    if backend == "postgres":
        env = {"CRASH_POSTGRES": POSTGRES}
    else:
        env = {"CRASH_SQLITE": str(tmp_path / "threads.sqlite")}
    thread = f"crash-{uuid.uuid4()}"

    first = await spawn(CRASH_APP, env={**env, "CRASH_THINK_SECONDS": "60"})
    async with httpx.AsyncClient(base_url=first.url) as client:
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
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)

    second = await spawn(CRASH_APP, env={**env, "CRASH_THINK_SECONDS": "0"})
    async with httpx.AsyncClient(base_url=second.url) as client:
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
    spawn: Spawn, tmp_path: Path
) -> None:
    server = await spawn(
        CRASH_APP, env={"CRASH_SQLITE": str(tmp_path / "t.sqlite"), "CRASH_THINK_SECONDS": "60"}
    )
    process = server.process
    events: list[dict[str, Any]] = []
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=30) as client,
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

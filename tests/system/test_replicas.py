"""Two replicas sharing PostgreSQL (threads) and Redis (runs), each a real uvicorn
process on 127.0.0.1: a stream started on A resumes on B, an interrupt on A is
resumed on B, a run on A is cancelled from B, and a thread busy on A is busy on B."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse
from redis.asyncio import Redis

from tests.conftest import Spawn, read_events
from tests.servers import POSTGRES, REDIS, needs_postgres, needs_redis

REPLY_WORDS = [f"w{i}" for i in range(60)]  # what tests.replica_app answers

pytestmark = [needs_postgres, needs_redis]


@pytest.fixture
async def replicas(spawn: Spawn) -> tuple[str, str]:
    """Replicas A and B of tests.replica_app, sharing one database and one Redis."""
    env = {
        "REPLICA_POSTGRES": POSTGRES,
        "REPLICA_REDIS": REDIS,
        "REPLICA_PREFIX": f"lgsse-test-{uuid.uuid4().hex[:8]}:",
    }
    a, b = await asyncio.gather(
        spawn("tests.replica_app:app", env=env), spawn("tests.replica_app:app", env=env)
    )
    return a.url, b.url


def words(events: list[dict[str, Any]]) -> list[str]:
    return [e["data"]["word"] for e in events if e["type"] == "custom"]


async def test_a_stream_started_on_a_resumes_on_b(replicas: tuple[str, str]) -> None:
    a, b = replicas
    thread = f"t-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=30) as client:
        first: list[dict[str, Any]] = []
        body = {"message": "hello", "thread_id": thread, "on_disconnect": "continue"}
        async with aconnect_sse(client, "POST", f"{a}/stream", json=body) as source:
            async for sse in source.aiter_sse():
                first.append(json.loads(sse.data))
                if len(first) == 12:
                    break  # the client drops mid-answer
        run_id, last = first[0]["run_id"], first[-1]["seq"]
        started = time.perf_counter()
        rest: list[dict[str, Any]] = []
        async with aconnect_sse(
            client, "GET", f"{b}/runs/{run_id}/stream", headers={"Last-Event-ID": str(last)}
        ) as source:
            assert source.response.status_code == 200
            async for sse in source.aiter_sse():
                if not rest:
                    latency = time.perf_counter() - started
                rest.append(json.loads(sse.data))
        events = first + rest
        assert [e["seq"] for e in events] == list(range(len(events)))  # no gap, no duplicate
        assert words(events) == REPLY_WORDS and events[-1]["status"] == "success"
        print(
            f"\nresumed on B after {len(first)} frames: {len(rest)} frames, first after {latency * 1000:.1f} ms"
        )
        info = (await client.get(f"{b}/runs/{run_id}")).json()
        assert info["status"] == "success" and info["thread_id"] == thread
        # B also replays the whole finished run
        whole = await read_events(client, "GET", f"{b}/runs/{run_id}/stream")
        assert whole == events


async def test_interrupt_on_a_resume_on_b(replicas: tuple[str, str]) -> None:
    a, b = replicas
    thread = f"t-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=30) as client:
        asked = await read_events(
            client, "POST", f"{a}/stream", json={"message": "approve this", "thread_id": thread}
        )
        assert asked[-1]["status"] == "interrupted"
        assert next(e for e in asked if e["type"] == "interrupt")["value"] == {
            "question": "approve?"
        }
        resumed = await read_events(
            client,
            "POST",
            f"{b}/stream",
            json={"thread_id": thread, "command": {"resume": "yes"}, "stream_mode": "updates"},
        )
        assert resumed[-1]["status"] == "success"
        state = (await client.get(f"{a}/threads/{thread}/state")).json()
        assert state["values"]["messages"][-1]["content"] == "approved: yes" and state["next"] == []


async def test_cancel_from_b_stops_a_run_on_a_and_threads_are_busy_across_replicas(
    replicas: tuple[str, str],
) -> None:
    a, b = replicas
    thread = f"t-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=30) as client:
        run = (await client.post(f"{a}/runs", json={"message": "slow", "thread_id": thread})).json()
        await asyncio.sleep(0.3)
        busy = await client.post(f"{b}/stream", json={"message": "me too", "thread_id": thread})
        assert busy.status_code == 409 and run["run_id"] in busy.json()["detail"]
        cancelled = await client.post(f"{b}/runs/{run['run_id']}/cancel")
        assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
        assert (await client.get(f"{a}/runs/{run['run_id']}")).json()["status"] == "cancelled"
        events = await read_events(client, "GET", f"{b}/runs/{run['run_id']}/stream")
        assert events[-1]["status"] == "cancelled" and len(words(events)) < 60 * 50
        # the thread is free again, on either replica
        again = await read_events(
            client, "POST", f"{b}/stream", json={"message": "now", "thread_id": thread}
        )
        assert again[-1]["status"] == "success"


async def test_sigterm_on_a_replica_relaying_a_run_ends_its_followers_cleanly(
    spawn: Spawn,
) -> None:
    env = {
        "REPLICA_POSTGRES": POSTGRES,
        "REPLICA_REDIS": REDIS,
        "REPLICA_PREFIX": f"lgsse-test-{uuid.uuid4().hex[:8]}:",
    }
    a, b = await asyncio.gather(
        spawn("tests.replica_app:app", env=env), spawn("tests.replica_app:app", env=env)
    )
    async with httpx.AsyncClient(timeout=30) as client:
        body = {"message": "slow one", "thread_id": f"t-{uuid.uuid4()}"}
        run_id = (await client.post(f"{a.url}/runs", json=body)).json()["run_id"]
        relayed: list[Any] = []
        async with aconnect_sse(client, "GET", f"{b.url}/runs/{run_id}/stream") as source:
            async for sse in source.aiter_sse():
                relayed.append(sse)
                if len(relayed) == 20:
                    b.process.send_signal(signal.SIGTERM)  # B shuts down; the run goes on on A
        ending = [json.loads(sse.data) for sse in relayed[-2:]]
        assert [e["type"] for e in ending] == ["error", "done"]
        assert ending[0]["error"] == "shutdown" and ending[1]["status"] == "error"
        # no ids of their own (the run is not over): the last id stays the last frame's
        last_id = relayed[-3].id
        assert [sse.id for sse in relayed[-2:]] == [last_id, last_id]
        assert int(last_id) == json.loads(relayed[-3].data)["seq"]
        resume = {"Last-Event-ID": last_id}
        async with aconnect_sse(
            client, "GET", f"{a.url}/runs/{run_id}/stream", headers=resume
        ) as src:
            # (httpx-sse yields the keep-alive comment of a long stream as an event
            # with no data once an id was seen; the SSE spec dispatches nothing)
            rest = [json.loads(sse.data) async for sse in src.aiter_sse() if sse.data]
        seen = [json.loads(sse.data) for sse in relayed[:-2]] + rest
        assert [e["seq"] for e in seen] == list(range(len(seen)))  # nothing lost on the way
        assert seen[-1]["type"] == "done"


async def test_kill_9_of_the_replica_running_a_run_ends_its_followers_lost(spawn: Spawn) -> None:
    prefix = f"lgsse-test-{uuid.uuid4().hex[:8]}:"
    env = {
        "REPLICA_POSTGRES": POSTGRES,
        "REPLICA_REDIS": REDIS,
        "REPLICA_PREFIX": prefix,
        "REPLICA_LEASE": "1",
    }
    a, b = await asyncio.gather(
        spawn("tests.replica_app:app", env=env), spawn("tests.replica_app:app", env=env)
    )
    async with httpx.AsyncClient(timeout=30) as client:
        body = {"message": "slow one", "thread_id": f"t-{uuid.uuid4()}"}
        run_id = (await client.post(f"{a.url}/runs", json=body)).json()["run_id"]
        events: list[dict[str, Any]] = []
        async with aconnect_sse(client, "GET", f"{b.url}/runs/{run_id}/stream") as source:
            async for sse in source.aiter_sse():
                if sse.data:
                    events.append(json.loads(sse.data))
                if len(events) == 20:
                    a.process.kill()  # SIGKILL: A says nothing more to anyone
        assert [e["seq"] for e in events] == list(range(len(events)))
        assert events[-2] == {**events[-2], "type": "error", "error": "lost"}
        assert events[-1] == {**events[-1], "type": "done", "status": "error"}
        assert (await client.get(f"{b.url}/runs/{run_id}")).json()["status"] == "error"
    redis = Redis.from_url(REDIS)
    try:
        for key in (f"{prefix}run:{run_id}", f"{prefix}run:{run_id}:frames"):
            assert 0 < await redis.pttl(key) <= 60_000  # the dead run's keys expire
    finally:
        await redis.aclose()

"""Two replicas of the LangGraph Platform API on PostgreSQL (threads and their
records) and Redis (runs), each a real uvicorn process: a thread made on one is
found on the other, and a stream dropped on one resumes on the other with
`Last-Event-ID`, losing and repeating nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.schema import StreamPart

from tests.agent_graph import SLOW_TOKENS
from tests.conftest import Spawn
from tests.servers import POSTGRES, REDIS, needs_postgres, needs_redis

pytestmark = [needs_postgres, needs_redis, pytest.mark.timeout(120)]

HI = {"messages": [{"role": "user", "content": "slow please"}]}


async def test_a_stream_dropped_on_a_resumes_on_b(spawn: Spawn) -> None:
    env = {
        "REPLICA_POSTGRES": POSTGRES,
        "REPLICA_REDIS": REDIS,
        "REPLICA_PREFIX": f"lgsse-test-{uuid.uuid4().hex[:8]}:",
        "SLOW_TOKEN_SECONDS": "0.05",
    }
    a, b = await asyncio.gather(
        *(spawn("tests.lg_replica_app:app", env=env, health="/ok") for _ in range(2))
    )
    on_a, on_b = get_client(url=a.url, api_key=None), get_client(url=b.url, api_key=None)
    thread = (await on_a.threads.create(metadata={"where": "a"}))["thread_id"]
    assert (await on_b.threads.get(thread))["metadata"]["where"] == "a"  # one record

    seen: list[StreamPart] = []
    async for part in on_a.runs.stream(
        thread, "agent", input=HI, stream_mode=["messages-tuple", "values"]
    ):
        seen.append(part)
        if len(seen) == 8:
            break  # A's client drops mid-answer (the run goes on: on_disconnect continue)
    run_id = seen[0].data["run_id"]
    rest = [part async for part in on_b.runs.join_stream(thread, run_id, last_event_id=seen[-1].id)]
    whole = seen + rest
    ids = [int(part.id) for part in whole if part.id is not None]
    assert ids == list(range(len(whole)))  # every frame once, in order
    assert whole[-1].event == "end"
    text = "".join(p.data[0]["content"] for p in whole if p.event == "messages")
    assert text.startswith(" ".join(SLOW_TOKENS))
    again = [part async for part in on_b.runs.join_stream(thread, run_id, last_event_id="-1")]
    assert [(p.event, p.data) for p in again] == [(p.event, p.data) for p in whole]
    assert (await on_b.runs.get(thread, run_id))["status"] == "success"
    assert (await on_a.threads.get(thread))["status"] == "idle"

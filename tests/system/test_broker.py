"""The Redis broker between replicas (two services in one process, one Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from langchain_core.messages import HumanMessage

from langgraph_sse import GraphService, JSONFormat, RedisBroker, RunSpec, ThreadBusyError
from tests import graphs
from tests.servers import REDIS, needs_redis

pytestmark = needs_redis

HELLO = {"messages": [HumanMessage(content="hello")]}


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are removed afterwards."""
    prefix = f"langgraph-sse-test:{uuid.uuid4().hex}:"
    yield prefix
    cleaner = RedisBroker(REDIS, prefix=prefix)
    keys = [key async for key in cleaner.redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await cleaner.redis.delete(*keys)
    await cleaner.aclose()


def replica(graph: object, prefix: str, lease: float) -> GraphService:
    return GraphService(graph, broker=RedisBroker(REDIS, prefix=prefix, lease=lease))  # type: ignore[arg-type]


async def test_the_thread_claim_holds_while_a_node_is_quiet_longer_than_the_lease(
    prefix: str,
) -> None:
    probe = graphs.LoopProbe()
    a = replica(graphs.slow_graph(probe, delay=1.5), prefix, lease=0.3)
    b = replica(graphs.chat_graph("fork"), prefix, lease=0.3)
    try:
        run = await a.start(RunSpec(thread_id="quiet", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        await asyncio.sleep(1.0)  # the node writes nothing for three leases
        with pytest.raises(ThreadBusyError):
            await b.start(RunSpec(thread_id="quiet", input=HELLO), None, JSONFormat())
        await asyncio.wait_for(run.wait(), 5)
        assert run.status == "success"
        after = await b.start(RunSpec(thread_id="quiet", input=HELLO), None, JSONFormat())
        await asyncio.wait_for(after.wait(), 5)
        assert after.status == "success"
    finally:
        await a.shutdown()
        await b.shutdown()

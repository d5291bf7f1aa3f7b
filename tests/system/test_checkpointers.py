"""The durable checkpointers against the machine's PostgreSQL."""

from __future__ import annotations

import uuid

from langchain_core.messages import HumanMessage

from langgraph_sse import GraphService, JSONFormat, RunSpec, postgres_checkpointer
from tests import graphs
from tests.servers import POSTGRES, needs_postgres


@needs_postgres
async def test_postgres_with_a_small_pool() -> None:
    # psycopg_pool keeps 4 connections by default: a pool of 2 must still open.
    graph = graphs.chat_graph("kept", checkpointer=False)
    async with postgres_checkpointer(graph, POSTGRES, max_connections=2):
        service = GraphService(graph)
        thread = f"small-pool-{uuid.uuid4().hex}"
        spec = RunSpec(thread_id=thread, input={"messages": [HumanMessage(content="hi")]})
        outcome = await service.wait(spec, None, JSONFormat())
        assert outcome.run.status == "success"
        state = await service.threads.state(thread, None)
        assert [m.content for m in state["values"]["messages"]] == ["hi", "kept"]

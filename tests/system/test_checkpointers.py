"""The durable checkpointers against the machine's PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from langchain_core.messages import HumanMessage

from langgraph_sse import GraphService, JSONFormat, RunSpec, make_asgi_app, postgres_checkpointer
from tests import graphs
from tests.conftest import Serve
from tests.proxy import Proxy
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


@needs_postgres
async def test_thread_reads_while_postgres_is_cut_answer_503_then_recover(serve: Serve) -> None:
    proxy = await Proxy(5432).start()
    graph = graphs.chat_graph("kept", checkpointer=False)
    url = POSTGRES.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    try:
        async with postgres_checkpointer(graph, url, pool_timeout=1.0):
            base = await serve(make_asgi_app(graph))
            thread = f"cut-{uuid.uuid4().hex}"
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                ran = await client.post("/invoke", json={"message": "hi", "thread_id": thread})
                assert ran.status_code == 200
                proxy.cut()
                for path in (f"/threads/{thread}/state", f"/threads/{thread}/history"):
                    down = await client.get(path)
                    assert down.status_code == 503, (path, down.text[:200])
                    assert down.headers["retry-after"] == "1"
                    assert "thread store" in down.json()["detail"]
                proxy.restore()
                for _ in range(100):  # the pool connects again
                    back = await client.get(f"/threads/{thread}/state")
                    if back.status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                assert back.status_code == 200
                assert [m["content"] for m in back.json()["values"]["messages"]] == ["hi", "kept"]
    finally:
        await proxy.close()


@needs_postgres
async def test_replicas_starting_at_once_on_a_new_database_all_start() -> None:
    # Each replica creates the tables on first use; several doing so at the same time
    # raced in PostgreSQL's catalogue (a UniqueViolation on checkpoint_migrations's
    # type) and one replica failed to start. The CI saw it with two replicas.
    import psycopg

    database = f"lgsse_setup_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(POSTGRES, autocommit=True) as admin:
        await admin.execute(f'CREATE DATABASE "{database}"')
    url = POSTGRES.rsplit("/", 1)[0] + f"/{database}"
    try:

        async def replica(n: int) -> str:
            graph = graphs.chat_graph(f"from {n}", checkpointer=False)
            async with postgres_checkpointer(graph, url, max_connections=1):
                outcome = await GraphService(graph).wait(
                    RunSpec(thread_id=f"t{n}", input={"messages": [HumanMessage(content="hi")]}),
                    None,
                    JSONFormat(),
                )
                return outcome.run.status

        assert await asyncio.gather(*(replica(n) for n in range(4))) == ["success"] * 4
    finally:
        async with await psycopg.AsyncConnection.connect(POSTGRES, autocommit=True) as admin:
            await admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')

"""A replica serving the LangGraph Platform API for the multi-replica tests, run
in a subprocess: `uvicorn tests.lg_replica_app:app`.

The `agent` graph of tests.agent_graph; threads (checkpoints and records) in
PostgreSQL (`REPLICA_POSTGRES`), runs shared through Redis (`REPLICA_REDIS`, keys
under `REPLICA_PREFIX`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langgraph_sse import RedisBroker, make_asgi_app, postgres_checkpointer
from tests import agent_graph

graph = agent_graph.build()


@asynccontextmanager
async def durable(app: Any) -> AsyncIterator[None]:
    async with postgres_checkpointer(graph, os.environ["REPLICA_POSTGRES"]):
        yield


broker = RedisBroker(os.environ["REPLICA_REDIS"], prefix=os.environ["REPLICA_PREFIX"])
app = make_asgi_app(graph, protocol="langgraph", broker=broker, lifespan=durable)

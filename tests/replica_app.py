"""A replica for the multi-replica tests, run in a subprocess: `uvicorn tests.replica_app:app`.

Threads in PostgreSQL (`REPLICA_POSTGRES`), runs shared through Redis
(`REPLICA_REDIS`, keys under `REPLICA_PREFIX`, lease `REPLICA_LEASE` s). A
message starting with "approve" asks a human (interrupt); "slow" streams for a
long time; any other gets a reply of 60 words streamed word by word.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from langgraph_sse import RedisBroker, make_asgi_app, postgres_checkpointer
from tests.graphs import State

REPLY_WORDS = [f"w{i}" for i in range(60)]


def route(state: State) -> str:
    text = str(state["messages"][-1].content)
    return "ask" if text.startswith("approve") else "talk"


async def talk(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    words = REPLY_WORDS * (50 if str(state["messages"][-1].content).startswith("slow") else 1)
    for word in words:
        write({"word": word})
        await asyncio.sleep(0.005)
    return {"messages": [AIMessage(content=" ".join(words))]}


def ask(state: State) -> dict[str, Any]:
    answer = interrupt({"question": "approve?"})
    return {"messages": [AIMessage(content=f"approved: {answer}")]}


builder = StateGraph(State)
builder.add_node("talk", talk)
builder.add_node("ask", ask)
builder.add_conditional_edges(START, route, ["talk", "ask"])
builder.add_edge("talk", END)
builder.add_edge("ask", END)
graph = builder.compile()


@asynccontextmanager
async def durable(app: Any) -> AsyncIterator[None]:
    async with postgres_checkpointer(graph, os.environ["REPLICA_POSTGRES"]):
        yield


broker = RedisBroker(
    os.environ["REPLICA_REDIS"],
    prefix=os.environ["REPLICA_PREFIX"],
    lease=float(os.environ.get("REPLICA_LEASE", "30")),
)
app = make_asgi_app(graph, stream_mode="custom", broker=broker, lifespan=durable)

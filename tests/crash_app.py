"""An app for the crash tests, run in a subprocess: `uvicorn tests.crash_app:app`.

The graph remembers the message (one step, checkpointed), then thinks for
`CRASH_THINK_SECONDS` (the step the server is killed in). Threads are kept in
SQLite (`CRASH_SQLITE`) or PostgreSQL (`CRASH_POSTGRES`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.graph import END, START, StateGraph

from langgraph_sse import make_asgi_app, postgres_checkpointer, sqlite_checkpointer
from tests.graphs import State


async def remember(state: State) -> dict[str, Any]:
    return {"messages": [AIMessage(content=f"remembered: {state['messages'][-1].content}")]}


async def think(state: State) -> dict[str, Any]:
    await asyncio.sleep(float(os.environ.get("CRASH_THINK_SECONDS", "0")))
    return {"messages": [AIMessage(content="thought it through")]}


builder = StateGraph(State)
builder.add_node("remember", remember)
builder.add_node("think", think)
builder.add_edge(START, "remember")
builder.add_edge("remember", "think")
builder.add_edge("think", END)
graph = builder.compile()


@asynccontextmanager
async def durable(app: Any) -> AsyncIterator[None]:
    if "CRASH_POSTGRES" in os.environ:
        async with postgres_checkpointer(graph, os.environ["CRASH_POSTGRES"]):
            yield
    else:
        async with sqlite_checkpointer(graph, os.environ["CRASH_SQLITE"]):
            yield


app = make_asgi_app(graph, stream_mode=["updates"], lifespan=durable)

"""The small chat graph the examples serve (START -> agent -> END), and the
lifespan that keeps its threads in a SQLite file."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any, Protocol

from langchain_core.messages import AnyMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from examples._model import chat_model
from langgraph_sse import sqlite_checkpointer

__all__ = ["DATABASE_ENV", "Node", "State", "chat_graph", "durable"]

DATABASE_ENV = "LANGGRAPH_SSE_DB"
"""Where the examples keep threads: a SQLite file (default `langgraph-sse-demo.sqlite`)."""


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


class Node(Protocol):
    """A graph node: takes the state, returns its update."""

    def __call__(self, state: State) -> Awaitable[dict[str, Any]]: ...


def chat_graph(agent: Node | None = None) -> Any:
    """A one-node chat graph, compiled without a checkpointer: [durable][examples._graph.durable]
    gives it one when the app starts.

    `agent` is the node; by default it answers with `chat_model()`.
    """
    if agent is None:
        model = chat_model()

        async def call_model(state: State) -> dict[str, Any]:
            return {"messages": [await model.ainvoke(state["messages"])]}

        agent = call_model

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile()


def durable(graph: Any) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """An app lifespan keeping `graph`'s threads in the SQLite file named by
    `LANGGRAPH_SSE_DB`, so they survive restarts."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with sqlite_checkpointer(
            graph, os.environ.get(DATABASE_ENV, "langgraph-sse-demo.sqlite")
        ):
            yield

    return lifespan

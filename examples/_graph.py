"""The small chat graph the examples serve: START -> agent -> END."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, Protocol

from langchain_core.messages import AnyMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from examples._model import chat_model

__all__ = ["Node", "State", "chat_graph"]


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


class Node(Protocol):
    """A graph node: takes the state, returns its update."""

    def __call__(self, state: State) -> Awaitable[dict[str, Any]]: ...


def chat_graph(agent: Node | None = None) -> Any:
    """A one-node chat graph with an in-memory checkpointer (threads live per process).

    ``agent`` is the node; by default it answers with :func:`~examples._model.chat_model`.
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
    return builder.compile(checkpointer=InMemorySaver())

"""Servers speaking the LangGraph Platform API (`protocol="langgraph"`) for the
SDK tests: the `agent` graph of tests.agent_graph on real uvicorn."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from langgraph_sse import api_key_auth, make_asgi_app
from tests import agent_graph
from tests.conftest import Serve

KEYS = {"key-alice": "alice", "key-bob": "bob"}


def agent(**options: Any) -> Any:
    """The `agent` graph with its own in-memory checkpointer, mounted as the protocol."""
    graph = agent_graph.build()
    graph.checkpointer = InMemorySaver()
    return make_asgi_app(graph, protocol="langgraph", **options)


@pytest.fixture
async def langgraph_url(serve: Serve) -> str:
    """The base URL of an open server (no auth)."""
    return await serve(agent())


@pytest.fixture
async def private_url(serve: Serve) -> str:
    """The base URL of a server where `key-alice` and `key-bob` are two principals."""
    return await serve(agent(auth=api_key_auth(KEYS)))

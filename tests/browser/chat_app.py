"""The app the chat page tests drive: tests.agent_graph's `agent` graph (a fake
model replying "Hello there friend", a weather tool, an `approve` interrupt, a slow
reply) with an in-memory checkpointer, its endpoints under `/agent`, and the chat
page at `/`."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from starlette.applications import Starlette
from starlette.routing import Mount

from langgraph_sse import make_routes
from langgraph_sse.http.chat_page import chat_page
from tests import agent_graph

API = "/agent"


def build(**options: Any) -> Starlette:
    """A fresh app (its own threads); `options` go to `make_routes`."""
    graph = agent_graph.build()
    graph.checkpointer = InMemorySaver()
    routes = make_routes(graph, **options)
    return Starlette(
        routes=[Mount(API, routes=routes), Mount("/", chat_page(api=API))],
        lifespan=routes.lifespan,
    )


app = build()

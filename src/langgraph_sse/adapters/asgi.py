"""Serve a graph as a standalone ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any, Unpack

from langgraph.pregel import Pregel
from starlette.applications import Starlette

from langgraph_sse.server import GraphServer, ServerOptions

__all__ = ["make_asgi_app"]


def make_asgi_app(
    graph: Pregel[Any, Any, Any, Any],
    *,
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[Any]] | None = None,
    **options: Unpack[ServerOptions],
) -> Starlette:
    """An ASGI app serving `graph` at the root: run it with `uvicorn module:app`,
    or mount it in any ASGI framework.

    Args:
        graph: Any compiled LangGraph.
        lifespan: An extra lifespan to run the app in, e.g. one giving the graph
            a durable checkpointer ([sqlite_checkpointer][langgraph_sse.checkpointers.sqlite_checkpointer]).
        **options: Those of [GraphServer][langgraph_sse.server.GraphServer]
            ([ServerOptions][langgraph_sse.server.ServerOptions]).

    On shutdown the app stops every run: each open stream ends with an `error`
    event of type `shutdown`.
    """
    server = GraphServer(graph, **options)

    @asynccontextmanager
    async def run(app: Starlette) -> AsyncIterator[None]:
        async with lifespan(app) if lifespan is not None else nullcontext():
            try:
                yield
            finally:
                await server.shutdown()

    return Starlette(routes=server.routes(), lifespan=run)

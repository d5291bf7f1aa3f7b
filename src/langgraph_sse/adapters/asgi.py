"""Serve a graph as a standalone ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Unpack

from langgraph.pregel import Pregel
from starlette.applications import Starlette

from langgraph_sse.server import GraphServer, ServerOptions

__all__ = ["make_asgi_app"]


def make_asgi_app(graph: Pregel[Any, Any, Any, Any], **options: Unpack[ServerOptions]) -> Starlette:
    """An ASGI app serving `graph` at the root: run it with `uvicorn module:app`,
    or mount it in any ASGI framework.

    On shutdown it stops every run (each stream ends with an `error` event of
    type `shutdown`). `options` are those of [GraphServer][langgraph_sse.server.GraphServer]
    ([ServerOptions][langgraph_sse.server.ServerOptions]).
    """
    server = GraphServer(graph, **options)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await server.shutdown()

    return Starlette(routes=server.routes(), lifespan=lifespan)

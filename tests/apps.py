"""The same graph mounted by each adapter."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from langgraph_sse import make_asgi_app, make_router, make_routes

ADAPTERS = ("fastapi", "starlette", "asgi")


def mount(adapter: str, graph: Any, **options: Any) -> ASGIApp:
    """An app serving ``graph`` at the root through ``adapter``."""
    if adapter == "fastapi":
        app = FastAPI()
        app.include_router(make_router(graph, **options))
        return app
    if adapter == "starlette":
        return Starlette(routes=[Mount("/", routes=make_routes(graph, **options))])
    if adapter == "asgi":
        return make_asgi_app(graph, **options)
    raise ValueError(adapter)

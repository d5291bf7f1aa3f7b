"""Mount a graph's endpoints in a Starlette application."""

from __future__ import annotations

from typing import Any, Unpack

from langgraph.pregel import Pregel
from starlette.routing import BaseRoute

from langgraph_sse.server import GraphServer, ServerOptions

__all__ = ["make_routes"]


def make_routes(
    graph: Pregel[Any, Any, Any, Any], **options: Unpack[ServerOptions]
) -> list[BaseRoute]:
    """Starlette routes serving `graph`: `/stream`, `/invoke`, `/threads/...`, `/healthz`.

    Use them as they are, or under a prefix:

    ```python
    app = Starlette(routes=[Mount("/agent", routes=make_routes(graph))])
    ```

    `options` are those of [GraphServer][langgraph_sse.server.GraphServer]
    ([ServerOptions][langgraph_sse.server.ServerOptions]).
    """
    return GraphServer(graph, **options).routes()

"""Mount a protocol's endpoints in a Starlette application."""

from __future__ import annotations

from typing import Any, Unpack

from langgraph.pregel import Pregel
from starlette.routing import BaseRoute, Route

from langgraph_sse.adapters.mount import MountOptions, mount
from langgraph_sse.core.service import GraphService
from langgraph_sse.http.endpoint import starlette_endpoint
from langgraph_sse.protocols import WireProtocol

__all__ = ["RouteList", "make_routes"]


class RouteList(list[BaseRoute]):
    """Starlette routes, with the service they serve and its lifespan.

    Pass `lifespan` to the app so that shutting it down stops every run (each
    open stream ends with an `error` event of type `shutdown`):

    ```python
    routes = make_routes(graph)
    app = Starlette(routes=[Mount("/agent", routes=routes)], lifespan=routes.lifespan)
    ```
    """

    def __init__(self, routes: list[BaseRoute], service: GraphService) -> None:
        super().__init__(routes)
        self.service = service
        """The [GraphService][langgraph_sse.core.service.GraphService] behind the routes."""
        self.lifespan = service.lifespan
        """An app lifespan that shuts the service down when the app stops."""


def make_routes(
    graph: GraphService | Pregel[Any, Any, Any, Any],
    *,
    protocol: str | WireProtocol = "native",
    **options: Unpack[MountOptions],
) -> RouteList:
    """Starlette routes serving `graph` through `protocol` (native: `/stream`,
    `/invoke`, `/threads/...`, `/runs/...`, `/healthz`).

    Use them as they are, or under a prefix:

    ```python
    routes = make_routes(graph)
    app = Starlette(routes=[Mount("/agent", routes=routes)], lifespan=routes.lifespan)
    ```

    Args:
        graph: Any compiled LangGraph, or a [GraphService][langgraph_sse.core.service.GraphService]
            to share with other mounts (one run registry, one rule per thread).
        protocol: `"native"` (the default) or a protocol object.
        **options: [MountOptions][langgraph_sse.adapters.mount.MountOptions].
    """
    mounted = mount(graph, protocol, options)
    routes: list[BaseRoute] = [
        Route(
            endpoint.path,
            starlette_endpoint(endpoint, mounted.service),
            methods=[endpoint.method],
            name=endpoint.name,
        )
        for endpoint in mounted.endpoints
    ]
    return RouteList(routes, mounted.service)

"""Thin adapters rendering a protocol's endpoint table three ways.

* [make_routes][langgraph_sse.adapters.starlette.make_routes]: Starlette routes;
* [make_asgi_app][langgraph_sse.adapters.asgi.make_asgi_app]: a standalone ASGI app;
* [make_router][langgraph_sse.adapters.fastapi.make_router]: a FastAPI `APIRouter`
  (needs the `fastapi` extra; imported only when used).

Each takes a graph (and makes its [GraphService][langgraph_sse.core.service.GraphService]
from the options, see [mount][langgraph_sse.adapters.mount.mount]) or a service to share.
"""

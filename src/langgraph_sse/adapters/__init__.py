"""Thin adapters mounting :class:`~langgraph_sse.server.GraphServer` three ways.

* :func:`~langgraph_sse.adapters.starlette.make_routes`: Starlette routes;
* :func:`~langgraph_sse.adapters.asgi.make_asgi_app`: a standalone ASGI app;
* :func:`~langgraph_sse.adapters.fastapi.make_router`: a FastAPI ``APIRouter``
  (needs the ``fastapi`` extra; imported only when used).
"""

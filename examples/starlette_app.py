"""The graph's endpoints in a plain Starlette app, mounted under ``/agent``.

Run:  uvicorn examples.starlette_app:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/agent/stream -H 'Content-Type: application/json' \
        -d '{"message": "Hello"}'
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount

from examples._graph import chat_graph, durable
from langgraph_sse import make_routes

graph = chat_graph()
routes = make_routes(graph)


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # Threads in SQLite while the app runs; on shutdown, open streams end first.
    async with durable(graph)(app), routes.lifespan(app):
        yield


app = Starlette(routes=[Mount("/agent", routes=routes)], lifespan=lifespan)

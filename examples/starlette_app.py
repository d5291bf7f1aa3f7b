"""The graph's endpoints in a plain Starlette app, mounted under ``/agent``.

Run:  uvicorn examples.starlette_app:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/agent/stream -H 'Content-Type: application/json' \
        -d '{"message": "Hello"}'
"""

from starlette.applications import Starlette
from starlette.routing import Mount

from examples._graph import chat_graph, durable
from langgraph_sse import make_routes

graph = chat_graph()
app = Starlette(routes=[Mount("/agent", routes=make_routes(graph))], lifespan=durable(graph))

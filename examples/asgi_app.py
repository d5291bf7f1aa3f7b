"""The graph as a standalone ASGI app: no framework code at all.

Run:  uvicorn examples.asgi_app:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/stream -H 'Content-Type: application/json' \
        -d '{"message": "Hello"}'
"""

from examples._graph import chat_graph, durable
from langgraph_sse import make_asgi_app

graph = chat_graph()
app = make_asgi_app(graph, lifespan=durable(graph))

"""Node tracing: ``checkpoint``, ``node_start`` and ``node_end`` events.

Run:  uvicorn examples.debug:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/stream -H 'Content-Type: application/json' \
        -d '{"message": "Hello"}'
"""

from fastapi import FastAPI

from examples._graph import chat_graph, durable
from langgraph_sse import make_router

graph = chat_graph()
app = FastAPI(title="langgraph-sse: node tracing (debug)", lifespan=durable(graph))
app.include_router(make_router(graph, stream_mode="debug"))

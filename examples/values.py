"""Full state: one ``values`` event with the whole state after each step.

Each event carries every message so far as JSON (not cut to 200-character strings).

Run:  uvicorn examples.values:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/stream -H 'Content-Type: application/json' \
        -d '{"thread_id": "t1", "message": "Hello"}'
"""

from fastapi import FastAPI

from examples._graph import chat_graph, durable
from langgraph_sse import make_router

graph = chat_graph()
app = FastAPI(title="langgraph-sse: full state (values)", lifespan=durable(graph))
app.include_router(make_router(graph, stream_mode="values"))

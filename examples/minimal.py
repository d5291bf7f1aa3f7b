"""The minimal server: one ``updates`` event per node that ran.

A hand-written ``StreamingResponse`` generator becomes one ``make_router`` call,
and the state update (LangChain messages and all) is real JSON instead of a
``json.dumps`` error.

Run:  uvicorn examples.minimal:app --port 8000
Try:  curl -N "http://127.0.0.1:8000/stream?thread_id=t1&message=Hello+world"
"""

from fastapi import FastAPI

from examples._graph import chat_graph, durable
from langgraph_sse import make_router

graph = chat_graph()
app = FastAPI(title="langgraph-sse: minimal (updates)", lifespan=durable(graph))
app.include_router(make_router(graph, stream_mode="updates"))

"""Tokens plus progress: ``custom`` events from the node, then ``token``s.

The node reports progress with ``langgraph.config.get_stream_writer()``; each value it
writes arrives as a ``custom`` event, in order with the model's ``token`` events.

Run:  uvicorn examples.tokens_progress:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/stream -H 'Content-Type: application/json' \
        -d '{"message": "What is SSE?"}'
"""

import asyncio
from typing import Any

from fastapi import FastAPI
from langgraph.config import get_stream_writer

from examples._graph import State, chat_graph, durable
from examples._model import chat_model
from langgraph_sse import make_router

model = chat_model()


async def research_agent(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    query = state["messages"][-1].content
    write({"event": "search_start", "query": query})
    await asyncio.sleep(0.1)  # pretend to search
    write({"event": "search_done", "count": 3})
    return {"messages": [await model.ainvoke(state["messages"])]}


graph = chat_graph(research_agent)
app = FastAPI(title="langgraph-sse: tokens + progress (messages, custom)", lifespan=durable(graph))
app.include_router(make_router(graph, stream_mode=["messages", "custom"]))

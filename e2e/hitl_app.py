"""The e2e test's second server: `examples/langgraph_platform.py` with its approval
interrupt in the shape Agent Chat UI can answer.

Agent Chat UI resumes an interrupt only through its "agent inbox" widget, and shows
that widget only for a human-in-the-loop request (`action_requests` plus
`review_configs`, the shape of LangChain's HumanInTheLoopMiddleware). Any other value,
such as the example's `{"question": ...}`, gets a read-only table and no way to answer.
This app asks the same question in the HITL shape, so the browser can click "Approve"
and the UI sends `Command(resume={"decisions": [{"type": "approve"}]})`; the graph then
answers "Approval: approve".

Run:  LANGGRAPH_SSE_DB=hitl.sqlite uvicorn e2e.hitl_app:app --port 2025
"""

from __future__ import annotations

from typing import Any

from examples._graph import State, durable
from examples.langgraph_platform import agent, needs_approval
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from langchain_core.messages import AIMessage
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from langgraph_sse import make_router

QUESTION = "Approve this request?"


def approve(state: State) -> dict[str, Any]:
    answer = interrupt(
        {
            "action_requests": [
                {"name": "approve_request", "args": {"question": QUESTION}, "description": QUESTION}
            ],
            "review_configs": [
                {"action_name": "approve_request", "allowed_decisions": ["approve"]}
            ],
        }
    )
    decisions = answer.get("decisions") if isinstance(answer, dict) else None
    verdict = decisions[0].get("type") if decisions else answer
    return {"messages": [AIMessage(content=f"Approval: {verdict}")]}


builder = StateGraph(State)
builder.add_node("approve", approve)
builder.add_node("agent", agent)
builder.add_conditional_edges(START, needs_approval, ["approve", "agent"])
builder.add_edge("approve", "agent")
builder.add_edge("agent", END)
graph = builder.compile(name="agent")

app = FastAPI(title="langgraph-sse e2e: HITL-shaped approval", lifespan=durable(graph))
app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost:3000"],
    allow_methods=["GET", "POST", "PATCH", "DELETE"],
    allow_headers=["Content-Type", "X-API-Key", "Authorization", "Last-Event-ID"],
    expose_headers=["Content-Location", "Location", "X-Run-Id", "X-Thread-Id"],
)
app.include_router(make_router(graph, protocol="langgraph", prefix="/lg"))

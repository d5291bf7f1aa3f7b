"""The Vercel AI SDK's `useChat` on your own FastAPI app: the UI message stream
protocol (`protocol="ai-sdk"`), with approvals and resumable streams.

The graph chats with the examples' model (a fake one unless `ANTHROPIC_API_KEY`
is set), tells the UI how far it got with `stream_writer` (`data-progress`
parts), and, when a message says "approve", asks the user first (`interrupt`):
`useChat` shows a tool part awaiting approval, and `addToolApprovalResponse`
resumes the thread. Threads are kept in SQLite (`LANGGRAPH_SSE_DB`).

Run:  uvicorn examples.ai_sdk:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/api/chat -H 'Content-Type: application/json' \
        -d '{"id": "c1", "messages": [{"id": "u1", "role": "user",
             "parts": [{"type": "text", "text": "Hi"}]}], "trigger": "submit-message"}'
useChat:  new DefaultChatTransport({ api: "http://127.0.0.1:8000/api/chat" }), resume: true
"""

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from examples._graph import State, durable
from examples._model import chat_model
from langgraph_sse import make_router

model = chat_model()


async def agent(state: State) -> dict[str, Any]:
    get_stream_writer()({"type": "progress", "stage": "thinking"})  # a data-progress part
    return {"messages": [await model.ainvoke(state["messages"])]}


def needs_approval(state: State) -> str:
    return "approve" if "approve" in str(state["messages"][-1].content).lower() else "agent"


def approve(state: State) -> dict[str, Any]:
    answer = interrupt({"question": "Approve this request?"})  # {"approved": bool, "reason"?}
    verdict = "approved" if answer.get("approved") else "denied"
    return {"messages": [AIMessage(content=f"You {verdict} it.")]}


builder = StateGraph(State)
builder.add_node("approve", approve)
builder.add_node("agent", agent)
builder.add_conditional_edges(START, needs_approval, ["approve", "agent"])
builder.add_edge("approve", "agent")
builder.add_edge("agent", END)
graph = builder.compile(name="agent")

app = FastAPI(title="langgraph-sse: Vercel AI SDK useChat", lifespan=durable(graph))
app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost:3000"],  # the UI's origin, never "*"
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "X-API-Key", "Authorization"],
)
app.include_router(make_router(graph, protocol="ai-sdk", prefix="/api/chat"))

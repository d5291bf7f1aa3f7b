"""The LangGraph Platform API on your own FastAPI app: the official SDKs, React
`useStream` and Agent Chat UI talk to it as to a LangGraph server.

The graph (assistant `agent`) chats with the examples' model (a fake one unless
`OPENAI_API_KEY` is set) and, when a message says "approve", asks a human first
(`interrupt`): the UI shows the question, and the answer resumes the run. Threads
are kept in SQLite (`LANGGRAPH_SSE_DB`), with their records, so they survive restarts.

Run:  uvicorn examples.langgraph_platform:app --port 2024
Try:  curl -N -X POST http://127.0.0.1:2024/lg/runs/stream -H 'Content-Type: application/json' \
        -d '{"assistant_id": "agent", "input": {"messages": [{"role": "user", "content": "Hi"}]},
             "stream_mode": "messages-tuple"}'
Or with the SDK:  client = langgraph_sdk.get_client(url="http://127.0.0.1:2024/lg")
Agent Chat UI: Deployment URL `http://127.0.0.1:2024/lg`, Assistant ID `agent`.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from langchain_core.messages import AIMessage
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from examples._graph import State, durable
from examples._model import chat_model
from langgraph_sse import make_router

model = chat_model()


async def agent(state: State) -> dict[str, Any]:
    return {"messages": [await model.ainvoke(state["messages"])]}


def needs_approval(state: State) -> str:
    return "approve" if "approve" in str(state["messages"][-1].content).lower() else "agent"


def approve(state: State) -> dict[str, Any]:
    answer = interrupt({"question": "Approve this request?"})
    return {"messages": [AIMessage(content=f"Approval: {answer}")]}


builder = StateGraph(State)
builder.add_node("approve", approve)
builder.add_node("agent", agent)
builder.add_conditional_edges(START, needs_approval, ["approve", "agent"])
builder.add_edge("approve", "agent")
builder.add_edge("agent", END)
graph = builder.compile(name="agent")

app = FastAPI(title="langgraph-sse: LangGraph Platform API", lifespan=durable(graph))
app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost:3000"],  # the UI's origin, never "*"
    allow_methods=["GET", "POST", "PATCH", "DELETE"],
    allow_headers=["Content-Type", "X-API-Key", "Authorization", "Last-Event-ID"],
    # The SDKs read these to learn the run's id and where to reconnect.
    expose_headers=["Content-Location", "Location", "X-Run-Id", "X-Thread-Id"],
)
app.include_router(make_router(graph, protocol="langgraph", prefix="/lg"))

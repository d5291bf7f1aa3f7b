"""CopilotKit (`@ag-ui/client`'s `HttpAgent`) on your own FastAPI app: the AG-UI
protocol (`protocol="ag-ui"`), with progress and an approval.

The graph chats with the examples' model (a fake one unless `ANTHROPIC_API_KEY`
is set), tells the UI how far it got with `stream_writer` (`CUSTOM` events), and,
when a message says "approve", asks the user first (`interrupt`): the run ends
with an interrupt outcome, and a run whose `resume` answers it goes on. Threads
are kept in SQLite (`LANGGRAPH_SSE_DB`).

Run:  uvicorn examples.ag_ui:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/agui -H 'Content-Type: application/json' \
        -d '{"threadId": "t1", "runId": "r1", "messages": [{"id": "u1", "role": "user",
             "content": "Hi"}], "state": {}, "tools": [], "context": [], "forwardedProps": {}}'
HttpAgent:  new HttpAgent({ url: "http://127.0.0.1:8000/agui", threadId: "t1" })
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
    write = get_stream_writer()
    write({"step": "thinking"})
    reply = await model.ainvoke(state["messages"])
    write({"step": "done"})
    return {"messages": [reply]}


def approval(state: State) -> dict[str, Any]:
    answer = interrupt({"question": "Send this reply?", "reason": "approval"})
    return {"messages": [AIMessage(content=f"You answered: {answer}")]}


def route(state: State) -> str:
    last_user = next(m for m in reversed(state["messages"]) if m.type == "human")
    return "approval" if "approve" in str(last_user.content).lower() else END


builder = StateGraph(State)
builder.add_node("agent", agent)
builder.add_node("approval", approval)
builder.add_edge(START, "agent")
builder.add_conditional_edges("agent", route, ["approval", END])
builder.add_edge("approval", END)
graph = builder.compile()

app = FastAPI(title="langgraph-sse: AG-UI (CopilotKit)", lifespan=durable(graph))
app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost:3000"],
    allow_methods=["POST"],
    allow_headers=["*"],
    expose_headers=["X-Run-Id", "X-Thread-Id"],
)
app.include_router(make_router(graph, protocol="ag-ui", prefix="/agui"))

"""The production app: auth, private threads, limits and CORS.

Every endpoint is served under `/v1`: `POST /v1/stream`, `GET /v1/stream`,
`POST /v1/invoke`, `GET /v1/threads/{id}/state`, `GET /v1/threads/{id}/history`,
the runs (`POST /v1/runs`, `GET /v1/runs/{id}/stream`, ...), and `GET /v1/healthz`
(the one endpoint that needs no key, for probes).

`GET /` is the chat page (`chat_page(api="/v1")`, files shipped in the package):
open http://127.0.0.1:8000/ to chat with the graph in a browser; it streams the
reply, keeps its threads in a side list, and resumes a dropped stream with
`Last-Event-ID`. With keys configured, enter one under "API key" in its sidebar.

API keys come from `LANGGRAPH_SSE_API_KEYS`, read at start-up: `alice=sk-1,bob=sk-2`
names who each key belongs to (a bare `sk-1` works too). Each principal sees only the
threads it created. When the variable is unset no key is required, so the demo works
with plain curl. Browsers using `EventSource` may pass the key as `?api_key=` on
`GET /v1/stream`.

Run:  uvicorn examples.production:app --port 8000        (or: make demo)
Open: http://127.0.0.1:8000/                              (the chat page)
Try:  curl -N -X POST http://127.0.0.1:8000/v1/stream -H 'Content-Type: application/json' \
        -d '{"message": "Hello"}'
With keys:  LANGGRAPH_SSE_API_KEYS=alice=sk-1 uvicorn examples.production:app --port 8000
      curl -N -X POST http://127.0.0.1:8000/v1/stream -H 'X-API-Key: sk-1' \
        -H 'Content-Type: application/json' -d '{"message": "Hello"}'
"""

import logging
import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from examples._graph import chat_graph, durable
from langgraph_sse import Limits, api_key_auth, chat_page, make_router

logging.basicConfig(level=logging.INFO)  # one line per run from the "langgraph_sse" logger


def api_keys() -> dict[str, str]:
    """`LANGGRAPH_SSE_API_KEYS` as {key: principal}; keep keys in a secret store."""
    keys = {}
    for item in filter(
        None, (part.strip() for part in os.environ.get("LANGGRAPH_SSE_API_KEYS", "").split(","))
    ):
        principal, _, key = item.rpartition("=")
        keys[key] = principal or f"client-{len(keys) + 1}"
    return keys


keys = api_keys()
graph = chat_graph()
app = FastAPI(title="langgraph-sse: production demo", version="1.0.0", lifespan=durable(graph))
app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost:3000", "http://localhost:5173"],  # your frontends, never "*"
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "X-API-Key", "Authorization", "Last-Event-ID"],
    expose_headers=["X-Run-Id", "X-Thread-Id"],
)
app.include_router(
    make_router(
        graph,
        prefix="/v1",
        auth=api_key_auth(keys, query_param="api_key") if keys else None,  # None: demo mode
        limits=Limits(max_message_chars=20_000, max_run_seconds=300, max_streams_per_principal=8),
    )
)
# The chat page at "/": mounted last, since a mount at "/" answers every path left.
app.mount("/", chat_page(api="/v1", title="langgraph-sse demo"))

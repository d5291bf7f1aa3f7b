"""Seed guide section 7, the production app: versioned routes, CORS and API keys.

Every endpoint is served under ``/v1``: ``POST /v1/stream``, ``GET /v1/stream``,
``POST /v1/invoke``, ``GET /v1/threads/{id}/state``, ``GET /v1/threads/{id}/history``,
``GET /v1/healthz`` (the one endpoint that needs no key, for probes).

API keys come from ``LANGGRAPH_SSE_API_KEYS`` (comma separated), read on every request.
When it is unset no key is required, so the demo works with plain curl. With keys set,
send one as ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``.

Run:  uvicorn examples.production:app --port 8000        (or: make demo)
Try:  curl -N -X POST http://127.0.0.1:8000/v1/stream -H 'Content-Type: application/json' \
        -d '{"message": "Hello"}'
"""

import os
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, status
from fastapi.middleware.cors import CORSMiddleware

from examples._graph import chat_graph
from langgraph_sse import make_router

API_KEYS_ENV = "LANGGRAPH_SSE_API_KEYS"

# The browser origins allowed to call the API: list your frontends, never "*".
CORS_ORIGINS = ["http://localhost:3000", "http://localhost:5173", "http://127.0.0.1:5173"]


def api_keys() -> list[str]:
    """The accepted API keys, from ``LANGGRAPH_SSE_API_KEYS`` (use a secret store in production)."""
    return [key.strip() for key in os.environ.get(API_KEYS_ENV, "").split(",") if key.strip()]


async def require_api_key(
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Reject the request with 401 unless it carries one of :func:`api_keys`."""
    keys = api_keys()
    if not keys:
        # LANGGRAPH_SSE_API_KEYS is unset: demo mode, no key required (plain curl works).
        return
    supplied = x_api_key
    if supplied is None and authorization and authorization.lower().startswith("bearer "):
        supplied = authorization[7:].strip()
    given = (supplied or "").encode()
    # compare_digest against every key, with no early exit, so the response time does
    # not reveal how much of a key a guess got right.
    matches = [secrets.compare_digest(given, key.encode()) for key in keys]
    if supplied is None or not any(matches):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Invalid or missing API key",
            headers={"WWW-Authenticate": "Bearer"},
        )


app = FastAPI(title="langgraph-sse: production demo", version="1.0.0")
app.add_middleware(
    CORSMiddleware,
    allow_origins=CORS_ORIGINS,
    allow_methods=["GET", "POST"],
    allow_headers=["X-API-Key", "Authorization", "Last-Event-ID", "Content-Type"],
    expose_headers=["X-Run-Id", "X-Thread-Id"],  # let browser code read the ids
)
app.include_router(make_router(chat_graph(), prefix="/v1", dependencies=[Depends(require_api_key)]))

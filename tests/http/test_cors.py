"""CORS with Starlette's middleware around the routes: preflights, origins, exposed headers."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount

from langgraph_sse import api_key_auth, make_routes
from tests import graphs
from tests.conftest import asgi_client, text

KEYS = {"key-alice": "alice", "key-bob": "bob"}
ALICE = {"X-API-Key": "key-alice"}


def replies(n: int = 50) -> tuple[str, ...]:
    return tuple(f"reply {i}" for i in range(n))


def cors_app() -> Starlette:
    return Starlette(
        routes=[
            Mount(
                "/agent", routes=make_routes(graphs.chat_graph(*replies()), auth=api_key_auth(KEYS))
            )
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["https://app.example.com"],
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", "X-API-Key", "Authorization", "Last-Event-ID"],
                expose_headers=["X-Run-Id", "X-Thread-Id"],
            )
        ],
    )


async def test_cors_with_starlette_middleware() -> None:
    async with asgi_client(cors_app()) as client:
        preflight = await client.options(
            "/agent/stream",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-api-key,last-event-id",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
        allowed = preflight.headers["access-control-allow-headers"].lower()
        for header in ("x-api-key", "authorization", "last-event-id"):
            assert header in allowed
        refused = await client.options(
            "/agent/stream",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in refused.headers
        stream = await client.post(
            "/agent/stream",
            json={"message": "hi"},
            headers={**ALICE, "Origin": "https://app.example.com"},
        )
        assert stream.headers["access-control-allow-origin"] == "https://app.example.com"
        assert "x-thread-id" in stream.headers["access-control-expose-headers"].lower()
        assert text(
            [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")]
        )

"""A Python client of the native protocol: `pip install "langgraph-sse[client]"`.

```python
from langgraph_sse.client import AsyncClient
from langgraph_sse.core.events import TokenEvent

async with AsyncClient("http://127.0.0.1:8000/v1", api_key="sk-1") as client:
    async for event in client.stream("Hello", thread_id="t1"):
        if isinstance(event, TokenEvent):
            print(event.text, end="", flush=True)
```

[AsyncClient][langgraph_sse.client.AsyncClient] and its blocking twin
[Client][langgraph_sse.client.Client] stream runs as typed events (parsed with
[event_adapter][langgraph_sse.core.events.event_adapter]), resume them by
themselves when the connection drops (`Last-Event-ID`, until `done`), and raise the
server's refusals as [APIError][langgraph_sse.client.APIError]s carrying its
`detail`.
"""

from __future__ import annotations

from langgraph_sse.core.extras import extra

with extra("client"):
    import httpx  # noqa: F401
    import httpx_sse  # noqa: F401

from langgraph_sse.client._async import AsyncClient
from langgraph_sse.client._common import NOT_GIVEN, Reconnect
from langgraph_sse.client._sync import Client
from langgraph_sse.client.errors import (
    APIError,
    AuthenticationError,
    ClientError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamError,
)
from langgraph_sse.protocols.native.schemas import (
    InvokeResponse,
    RunInfo,
    ThreadHistory,
    ThreadState,
)

__all__ = [
    "NOT_GIVEN",
    "APIError",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ClientError",
    "ConflictError",
    "InvalidRequestError",
    "InvokeResponse",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "Reconnect",
    "RunInfo",
    "ServerError",
    "StreamError",
    "ThreadHistory",
    "ThreadState",
]

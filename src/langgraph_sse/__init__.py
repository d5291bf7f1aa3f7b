"""langgraph-sse: stream any compiled LangGraph to a browser as typed Server-Sent Events.

The core turns a graph run into typed events ([stream_events][langgraph_sse.stream.stream_events]); wire formats
turn events into SSE bytes; adapters mount the HTTP endpoints in FastAPI
([make_router][langgraph_sse.adapters.fastapi.make_router]), Starlette ([make_routes][langgraph_sse.adapters.starlette.make_routes]) or any ASGI server
([make_asgi_app][langgraph_sse.adapters.asgi.make_asgi_app]).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langgraph_sse.adapters.asgi import make_asgi_app
from langgraph_sse.adapters.starlette import make_routes
from langgraph_sse.auth import Auth, AuthError, Principal, api_key_auth, bearer_auth, jwt_verifier
from langgraph_sse.broker import RedisBroker, RemoteRun
from langgraph_sse.checkpointers import postgres_checkpointer, sqlite_checkpointer
from langgraph_sse.events import (
    BaseEvent,
    CheckpointEvent,
    CustomEvent,
    DoneEvent,
    ErrorEvent,
    Event,
    EventType,
    InterruptEvent,
    MessageEvent,
    MetadataEvent,
    NodeEndEvent,
    NodeStartEvent,
    ReasoningEvent,
    RunStatus,
    TokenEvent,
    ToolCallChunkEvent,
    UpdatesEvent,
    ValuesEvent,
    event_adapter,
)
from langgraph_sse.exceptions import HTTPError
from langgraph_sse.formats import Encoder, JSONFormat, WireFormat, encode_event
from langgraph_sse.limits import Limits
from langgraph_sse.ownership import PRIVATE_THREADS, ThreadOwnership
from langgraph_sse.responses import JSONResponse
from langgraph_sse.run import Run, RunState
from langgraph_sse.runs import MultitaskStrategy, RunManager, ThreadBusyError
from langgraph_sse.schemas import (
    CommandRequest,
    InvokeResponse,
    RunInfo,
    RunRequest,
    StreamRequest,
    ThreadHistory,
    ThreadState,
)
from langgraph_sse.serialize import SerializationError, dumps, to_jsonable
from langgraph_sse.server import GraphServer, ServerOptions
from langgraph_sse.sse import event_stream_response, format_frame
from langgraph_sse.stream import STREAM_MODES, StreamMode, normalize_stream_mode, stream_events

if TYPE_CHECKING:
    from langgraph_sse.adapters.fastapi import make_router

__version__ = "0.1.0"

__all__ = [
    "PRIVATE_THREADS",
    "STREAM_MODES",
    "Auth",
    "AuthError",
    "BaseEvent",
    "CheckpointEvent",
    "CommandRequest",
    "CustomEvent",
    "DoneEvent",
    "Encoder",
    "ErrorEvent",
    "Event",
    "EventType",
    "GraphServer",
    "HTTPError",
    "InterruptEvent",
    "InvokeResponse",
    "JSONFormat",
    "JSONResponse",
    "Limits",
    "MessageEvent",
    "MetadataEvent",
    "MultitaskStrategy",
    "NodeEndEvent",
    "NodeStartEvent",
    "Principal",
    "ReasoningEvent",
    "RedisBroker",
    "RemoteRun",
    "Run",
    "RunInfo",
    "RunManager",
    "RunRequest",
    "RunState",
    "RunStatus",
    "SerializationError",
    "ServerOptions",
    "StreamMode",
    "StreamRequest",
    "ThreadBusyError",
    "ThreadHistory",
    "ThreadOwnership",
    "ThreadState",
    "TokenEvent",
    "ToolCallChunkEvent",
    "UpdatesEvent",
    "ValuesEvent",
    "WireFormat",
    "api_key_auth",
    "bearer_auth",
    "dumps",
    "encode_event",
    "event_adapter",
    "event_stream_response",
    "format_frame",
    "jwt_verifier",
    "make_asgi_app",
    "make_router",
    "make_routes",
    "normalize_stream_mode",
    "postgres_checkpointer",
    "sqlite_checkpointer",
    "stream_events",
    "to_jsonable",
]


def __getattr__(name: str) -> Any:
    # FastAPI is an optional extra: import its adapter only when asked for.
    if name == "make_router":
        from langgraph_sse.adapters.fastapi import make_router

        return make_router
    raise AttributeError(f"module 'langgraph_sse' has no attribute {name!r}")

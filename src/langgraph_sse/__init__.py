"""langgraph-sse: stream any compiled LangGraph to a browser as typed Server-Sent Events.

The core turns a graph run into typed events ([stream_events][langgraph_sse.core.translate.stream_events])
and runs them for every protocol ([GraphService][langgraph_sse.core.service.GraphService]);
each protocol maps its requests to runs, encodes events as SSE bytes and lists its
endpoints; adapters render those endpoints in FastAPI
([make_router][langgraph_sse.adapters.fastapi.make_router]), Starlette
([make_routes][langgraph_sse.adapters.starlette.make_routes]) or any ASGI server
([make_asgi_app][langgraph_sse.adapters.asgi.make_asgi_app]).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langgraph_sse.adapters.asgi import make_asgi_app
from langgraph_sse.adapters.mount import MountOptions
from langgraph_sse.adapters.starlette import RouteList, make_routes
from langgraph_sse.core.broker import RedisBroker
from langgraph_sse.core.checkpointers import postgres_checkpointer, sqlite_checkpointer
from langgraph_sse.core.encoding import Encoder, WireFormat
from langgraph_sse.core.errors import (
    Conflict,
    InvalidField,
    NotFound,
    ServiceError,
    TooManyStreams,
    Unavailable,
)
from langgraph_sse.core.events import (
    BaseEvent,
    CheckpointEvent,
    CustomEvent,
    DoneEvent,
    EndStatus,
    ErrorEvent,
    Event,
    EventType,
    InterruptEvent,
    MessageEvent,
    MetadataEvent,
    NodeEndEvent,
    NodeStartEvent,
    PartEvent,
    ReasoningEvent,
    RunStatus,
    TokenEvent,
    ToolCallChunkEvent,
    UpdatesEvent,
    ValuesEvent,
    event_adapter,
)
from langgraph_sse.core.extras import extra as _extra
from langgraph_sse.core.manager import MultitaskStrategy, RunManager, ThreadBusyError
from langgraph_sse.core.outcome import Outcome
from langgraph_sse.core.records import ThreadRecord, ThreadRecords, ThreadStatus
from langgraph_sse.core.remote import RemoteRun
from langgraph_sse.core.run import Run
from langgraph_sse.core.serialize import SerializationError, dumps, to_jsonable
from langgraph_sse.core.service import GraphService
from langgraph_sse.core.spec import RunSpec, ThreadId
from langgraph_sse.core.translate import (
    STREAM_MODES,
    StreamMode,
    normalize_stream_mode,
    stream_events,
)
from langgraph_sse.http.chat_page import ChatPage, chat_page
from langgraph_sse.http.endpoint import Call, Endpoint, EndpointTable
from langgraph_sse.http.errors import ErrorResponse, HTTPError
from langgraph_sse.http.responses import JSONResponse
from langgraph_sse.http.sse import event_stream_response, format_frame
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols import (
    LangGraphProtocol,
    NativeProtocol,
    WireProtocol,
    resolve_protocol,
)
from langgraph_sse.protocols.aisdk import AISDKProtocol
from langgraph_sse.protocols.aisdk.encoding import AISDKFormat
from langgraph_sse.protocols.langgraph.encoding import LangGraphFormat
from langgraph_sse.protocols.native.encoding import JSONFormat, encode_event
from langgraph_sse.protocols.native.schemas import (
    CommandRequest,
    InvokeResponse,
    RunInfo,
    RunRequest,
    StreamRequest,
    ThreadHistory,
    ThreadState,
)
from langgraph_sse.security.auth import (
    Auth,
    AuthError,
    Principal,
    api_key_auth,
    bearer_auth,
    jwt_verifier,
)
from langgraph_sse.security.limits import Limits
from langgraph_sse.security.ownership import PRIVATE_THREADS, ThreadOwnership

if TYPE_CHECKING:
    from langgraph_sse.adapters.fastapi import make_router
    from langgraph_sse.protocols.agui import AGUIFormat, AGUIProtocol

__version__ = "0.1.0"

__all__ = [
    "PRIVATE_THREADS",
    "STREAM_MODES",
    "AGUIFormat",
    "AGUIProtocol",
    "AISDKFormat",
    "AISDKProtocol",
    "Auth",
    "AuthError",
    "BaseEvent",
    "Call",
    "ChatPage",
    "CheckpointEvent",
    "CommandRequest",
    "Conflict",
    "CustomEvent",
    "DoneEvent",
    "Encoder",
    "EndStatus",
    "Endpoint",
    "EndpointTable",
    "ErrorEvent",
    "ErrorResponse",
    "Event",
    "EventType",
    "GraphService",
    "HTTPError",
    "InterruptEvent",
    "InvalidField",
    "InvokeResponse",
    "JSONFormat",
    "JSONResponse",
    "LangGraphFormat",
    "LangGraphProtocol",
    "Limits",
    "MessageEvent",
    "MetadataEvent",
    "MountOptions",
    "MultitaskStrategy",
    "NativeProtocol",
    "NodeEndEvent",
    "NodeStartEvent",
    "NotFound",
    "Outcome",
    "PartEvent",
    "Principal",
    "ReasoningEvent",
    "RedisBroker",
    "RemoteRun",
    "RouteList",
    "Run",
    "RunInfo",
    "RunManager",
    "RunRequest",
    "RunSpec",
    "RunStatus",
    "RunStreams",
    "SerializationError",
    "ServiceError",
    "StreamMode",
    "StreamRequest",
    "ThreadBusyError",
    "ThreadHistory",
    "ThreadId",
    "ThreadOwnership",
    "ThreadRecord",
    "ThreadRecords",
    "ThreadState",
    "ThreadStatus",
    "TokenEvent",
    "TooManyStreams",
    "ToolCallChunkEvent",
    "Unavailable",
    "UpdatesEvent",
    "ValuesEvent",
    "WireFormat",
    "WireProtocol",
    "api_key_auth",
    "bearer_auth",
    "chat_page",
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
    "resolve_protocol",
    "sqlite_checkpointer",
    "stream_events",
    "to_jsonable",
]


def __getattr__(name: str) -> Any:
    # FastAPI is an optional extra: import its adapter only when asked for.
    if name == "make_router":
        with _extra("fastapi"):
            from langgraph_sse.adapters.fastapi import make_router

        return make_router
    # AG-UI's models are the `ag-ui` extra: import its protocol only when asked for.
    if name in ("AGUIProtocol", "AGUIFormat"):
        from langgraph_sse.protocols import agui

        return getattr(agui, name)
    raise AttributeError(f"module 'langgraph_sse' has no attribute {name!r}")

"""The native protocol's requests and responses, as pydantic models.

The same models validate requests in every adapter and describe the endpoints
in the FastAPI OpenAPI schema. Responses are written straight from dicts with
[dumps][langgraph_sse.core.serialize.dumps]; their models document their shape.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from langgraph_sse.core.events import EndStatus, RunStatus
from langgraph_sse.core.manager import MultitaskStrategy
from langgraph_sse.core.spec import ThreadId
from langgraph_sse.core.translate import STREAM_MODES, StreamMode

__all__ = [
    "ClientConfig",
    "CommandRequest",
    "ErrorInfo",
    "Health",
    "HistoryQuery",
    "InterruptInfo",
    "InvokeResponse",
    "JoinQuery",
    "RunInfo",
    "RunPath",
    "RunRequest",
    "StreamQuery",
    "StreamRequest",
    "ThreadHistory",
    "ThreadPath",
    "ThreadState",
]


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


_MODE_SCHEMA = {"type": "string", "enum": list(STREAM_MODES)}

StreamModes = Annotated[
    list[StreamMode],
    BeforeValidator(_as_list),
    Field(min_length=1),
    WithJsonSchema(
        {"anyOf": [_MODE_SCHEMA, {"type": "array", "items": _MODE_SCHEMA, "minItems": 1}]}
    ),
]
"""One stream mode or a non-empty list of them; validated to a list."""


_INT64 = range(-(2**63), 2**63)


MAX_DEPTH = 100
"""How deeply client JSON may nest (a graph input, a resume value...)."""


def _fits_json(value: Any) -> Any:
    """Refuse what no checkpointer or JSON client keeps, anywhere in `value`:
    integers beyond 64 bits (JavaScript reads 53), NaN and infinities (not JSON),
    and nesting deeper than [MAX_DEPTH][langgraph_sse.protocols.native.schemas.MAX_DEPTH]."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise PydanticCustomError(
                    "json_too_deep", "JSON may nest at most {depth} levels", {"depth": MAX_DEPTH}
                )
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif type(item) is int and item not in _INT64:
            raise PydanticCustomError(
                "int_too_big",
                "Integers must fit in 64 bits (got one of {digits} digits)",
                {"digits": len(str(abs(item)))},
            )
        elif type(item) is float and not math.isfinite(item):
            raise PydanticCustomError("float_not_finite", "Numbers must be finite in JSON")
    return value


JSONValue = Annotated[Any, AfterValidator(_fits_json)]
"""Any JSON, with integers of at most 64 bits."""


class CommandRequest(BaseModel):
    """Resume an interrupted thread: `langgraph.types.Command(resume=..., update=...)`."""

    model_config = ConfigDict(extra="forbid")

    resume: JSONValue = Field(
        None, description="The value `interrupt()` returns in the paused node."
    )
    update: dict[str, JSONValue] | None = Field(
        None, description="State update applied before resuming."
    )


class ClientConfig(BaseModel):
    """The parts of a run's `RunnableConfig` a client may send.

    Which of them are accepted is up to the server's
    [Limits][langgraph_sse.security.limits.Limits] (none by default); anything else,
    callbacks included, is refused.
    """

    model_config = ConfigDict(extra="forbid")

    configurable: dict[str, JSONValue] | None = None
    recursion_limit: Annotated[int, Field(ge=1, le=10_000)] | None = None
    tags: list[StrictStr] | None = None
    metadata: dict[str, JSONValue] | None = None
    run_name: StrictStr | None = None


class RunRequest(BaseModel):
    """What to run: a thread and exactly one of `input`, `message` or `command`."""

    model_config = ConfigDict(extra="forbid")

    thread_id: ThreadId | None = Field(
        None, description="The thread to run on; a new id is made (and reported) when absent."
    )
    input: JSONValue = Field(None, description="The graph input, any JSON the graph accepts.")
    message: StrictStr | None = Field(
        None, description='Shortcut for `{"messages": [{"role": "user", "content": message}]}`.'
    )
    command: CommandRequest | None = Field(None, description="Resume an interrupted thread.")
    config: ClientConfig | None = Field(
        None, description="Config keys the server allows clients to set (none by default)."
    )
    multitask_strategy: MultitaskStrategy | None = Field(
        None,
        description=(
            "If the thread already has an active run: `reject` it (409, the default), "
            "`interrupt` it (cancel, then start), or `enqueue` after it."
        ),
    )

    @model_validator(mode="after")
    def _exactly_one_input(self) -> RunRequest:
        given = [
            name
            for name, present in (
                ("input", "input" in self.model_fields_set),
                ("message", self.message is not None),
                ("command", self.command is not None),
            )
            if present
        ]
        if len(given) != 1:
            raise PydanticCustomError(
                "input_choice",
                "Provide exactly one of 'input', 'message' or 'command' (got {given})",
                {"given": ", ".join(given) or "none"},
            )
        if self.command is not None and self.thread_id is None:
            raise PydanticCustomError(
                "thread_required", "'command' needs the 'thread_id' of the interrupted thread"
            )
        return self


class StreamRequest(RunRequest):
    """A run to stream: [RunRequest][langgraph_sse.protocols.native.schemas.RunRequest] plus what to stream."""

    stream_mode: StreamModes | None = Field(
        None, description="One stream mode or a list of them; the server's default when absent."
    )
    subgraphs: StrictBool | None = Field(
        None, description="Stream events from inside subgraphs too (server default when absent)."
    )
    on_disconnect: Literal["cancel", "continue"] | None = Field(
        None,
        description=(
            "`POST /stream`: when the client goes away, `cancel` the run (the default) or "
            "let it `continue`, to rejoin with `GET /runs/{run_id}/stream`."
        ),
    )


class StreamQuery(BaseModel):
    """Query of `GET /stream`, for `EventSource`: a [StreamRequest][langgraph_sse.protocols.native.schemas.StreamRequest]
    in query parameters. Unknown parameters are ignored (browsers, proxies and
    auth add their own)."""

    thread_id: str | None = Field(None, description="The thread to run on.")
    message: str | None = Field(None, description="A user message to send.")
    input: str | None = Field(None, description="The graph input as JSON text.")
    command: str | None = Field(None, description='JSON, e.g. {"resume": true}.')
    stream_mode: list[str] | None = Field(
        None, description="Repeat or comma-separate: messages,custom"
    )
    subgraphs: str | None = Field(None, description="true or false.")


class ThreadPath(BaseModel):
    """Path of the `/threads/{thread_id}/...` endpoints."""

    thread_id: ThreadId = Field(description="The thread's id.")


class RunPath(BaseModel):
    """Path of the `/runs/{run_id}...` endpoints."""

    run_id: str = Field(description="The run's id.")


class JoinQuery(BaseModel):
    """Query of `GET /runs/{run_id}/stream`."""

    last_event_id: str | None = Field(
        None, description="For clients that cannot send the Last-Event-ID header."
    )


class HistoryQuery(BaseModel):
    """Query of `GET /threads/{thread_id}/history`."""

    limit: int = Field(10, ge=1, le=1000, description="How many checkpoints, newest first.")
    before: StrictStr | None = Field(None, description="Only checkpoints older than this id.")


class RunInfo(BaseModel):
    """A run started with `POST /runs` (or any stream), and where it is."""

    run_id: str
    thread_id: str
    status: RunStatus
    events: int = Field(description="Events produced so far.")


class InterruptInfo(BaseModel):
    """A pending `interrupt()`: resume it with `command.resume`."""

    id: str
    value: Any


class ErrorInfo(BaseModel):
    """An exception raised inside the graph."""

    error: str = Field(description="The exception's class name.")
    message: str


class InvokeResponse(BaseModel):
    """Result of `POST /invoke`."""

    run_id: str
    thread_id: str
    status: EndStatus
    values: Any = Field(description="The graph's output (its final state for a StateGraph).")
    interrupts: list[InterruptInfo]
    error: ErrorInfo | None = None


class ThreadState(BaseModel):
    """A thread's state at one checkpoint."""

    thread_id: str
    values: Any
    next: list[str] = Field(description="Nodes that run next; empty when the run is finished.")
    checkpoint_id: str | None
    parent_checkpoint_id: str | None
    step: int | None
    created_at: str | None
    metadata: dict[str, Any]
    interrupts: list[InterruptInfo]


class ThreadHistory(BaseModel):
    """A thread's checkpoints, newest first."""

    thread_id: str
    checkpoints: list[ThreadState]


class Health(BaseModel):
    """`GET /healthz`."""

    status: Literal["ok"]

"""The typed events a graph run becomes.

Every event is a dataclass with three common fields:

* `type`: a literal naming the event, used as the SSE `event:` field and
  as the discriminator of the [Event][langgraph_sse.core.events.Event] union;
* `seq`: the event's position in its run, from 0 (the `metadata` event) up,
  used as the SSE `id:` field;
* `ns`: the subgraph namespace the event came from (empty at the root graph),
  e.g. `("research:3f2c…",)`.

A run always starts with [MetadataEvent][langgraph_sse.core.events.MetadataEvent] and ends with [DoneEvent][langgraph_sse.core.events.DoneEvent]
(unless the consumer stops reading first).

The events are plain dataclasses rather than pydantic models so that
building one per token costs a fraction of a microsecond. They keep their fields
in an instance `__dict__` (no `__slots__`): orjson writes such a dataclass about
four times faster than a slotted one. [event_adapter][langgraph_sse.core.events.event_adapter] is a pydantic
`TypeAdapter` over the union for clients that parse events back from JSON and
for the JSON schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

__all__ = [
    "BaseEvent",
    "CheckpointEvent",
    "CustomEvent",
    "DoneEvent",
    "EndStatus",
    "ErrorEvent",
    "Event",
    "EventType",
    "InterruptEvent",
    "MessageEvent",
    "MetadataEvent",
    "NodeEndEvent",
    "NodeStartEvent",
    "PartEvent",
    "ReasoningEvent",
    "RunStatus",
    "TokenEvent",
    "ToolCallChunkEvent",
    "UpdatesEvent",
    "ValuesEvent",
    "event_adapter",
]

EndStatus = Literal["success", "interrupted", "error", "cancelled"]
"""How a run ended, as reported by [DoneEvent][langgraph_sse.core.events.DoneEvent]."""

RunStatus = Literal["pending", "running", EndStatus]
"""Where a run is: waiting for its turn (`pending`), `running`, or how it ended
(an [EndStatus][langgraph_sse.core.events.EndStatus]). The one spelling of a run's
status, in events, run objects and response bodies alike."""

EventType = Literal[
    "metadata",
    "token",
    "reasoning",
    "tool_call_chunk",
    "message",
    "updates",
    "values",
    "custom",
    "node_start",
    "node_end",
    "checkpoint",
    "interrupt",
    "part",
    "error",
    "done",
]
"""Every value the `type` field of an event can take."""


@dataclass(kw_only=True)
class BaseEvent:
    """Fields shared by every event."""

    type: str
    seq: int
    """Position of the event in its run; 0 is the `metadata` event."""
    ns: tuple[str, ...] = ()
    """Subgraph namespace the event came from; empty at the root graph."""


@dataclass(kw_only=True)
class MetadataEvent(BaseEvent):
    """First event of every run: which run and which thread it is."""

    type: Literal["metadata"] = "metadata"
    run_id: str
    thread_id: str | None = None


@dataclass(kw_only=True)
class _TextDelta(BaseEvent):
    text: str
    node: str | None = None
    """The graph node whose model call produced the text."""
    message_id: str | None = None
    """Id of the message the text belongs to; deltas of one message share it."""


@dataclass(kw_only=True)
class TokenEvent(_TextDelta):
    """A text delta streamed by a chat model (`stream_mode="messages"`):
    `text`, `node`, `message_id`."""

    type: Literal["token"] = "token"


@dataclass(kw_only=True)
class ReasoningEvent(_TextDelta):
    """A reasoning ("thinking") delta from a model that streams its reasoning:
    `text`, `node`, `message_id`."""

    type: Literal["reasoning"] = "reasoning"


@dataclass(kw_only=True)
class ToolCallChunkEvent(BaseEvent):
    """A piece of a tool call being streamed by a chat model.

    Chunks with the same `index` within one message belong to one tool call:
    the first usually carries `id` and `name`, the rest append to `args`
    (a fragment of the JSON arguments).
    """

    type: Literal["tool_call_chunk"] = "tool_call_chunk"
    id: str | None = None
    name: str | None = None
    args: str = ""
    index: int | None = None
    node: str | None = None
    message_id: str | None = None


@dataclass(kw_only=True)
class MessageEvent(BaseEvent):
    """A complete message that was not streamed token by token.

    For example a `ToolMessage` returned by a tool node, or an `AIMessage`
    from a model called without streaming. In process `message` is the
    LangChain message object; on the wire it is its dict (`type`, `content`,
    `id`, `tool_calls`, ...).
    """

    type: Literal["message"] = "message"
    message: Any
    node: str | None = None


@dataclass(kw_only=True)
class UpdatesEvent(BaseEvent):
    """What one node wrote to the state (`stream_mode="updates"`)."""

    type: Literal["updates"] = "updates"
    node: str
    """The node that wrote."""
    data: Any
    """What it wrote: its update, channel name to value."""


@dataclass(kw_only=True)
class ValuesEvent(BaseEvent):
    """The full state after a step (`stream_mode="values"`)."""

    type: Literal["values"] = "values"
    data: Any
    """The state: channel name to value (the messages as dicts on the wire)."""


@dataclass(kw_only=True)
class CustomEvent(BaseEvent):
    """Whatever a node wrote with `get_stream_writer()` / `runtime.stream_writer`."""

    type: Literal["custom"] = "custom"
    data: Any


@dataclass(kw_only=True)
class _TaskEvent(BaseEvent):
    node: str
    """The node the task runs."""
    task_id: str
    step: int | None = None
    """The graph step (`debug` mode only)."""


@dataclass(kw_only=True)
class NodeStartEvent(_TaskEvent):
    """A node (task) started (`stream_mode="debug"` or `"tasks"`): `node`,
    `task_id`, `step`, and the channels that triggered it."""

    type: Literal["node_start"] = "node_start"
    triggers: tuple[str, ...] = ()


@dataclass(kw_only=True)
class NodeEndEvent(_TaskEvent):
    """A node (task) finished: `node`, `task_id`, `step`; `error` is set when it raised."""

    type: Literal["node_end"] = "node_end"
    error: str | None = None
    result: Any = None
    """The writes of the task, channel name to value."""
    interrupts: tuple[Any, ...] = ()


@dataclass(kw_only=True)
class CheckpointEvent(BaseEvent):
    """A checkpoint was saved (`stream_mode="debug"` or `"checkpoints"`)."""

    type: Literal["checkpoint"] = "checkpoint"
    checkpoint_id: str | None
    parent_checkpoint_id: str | None = None
    step: int | None = None
    source: str | None = None
    next: tuple[str, ...] = ()


@dataclass(kw_only=True)
class InterruptEvent(BaseEvent):
    """The graph paused on `langgraph.types.interrupt(value)`.

    Resume it by running the same thread again with `Command(resume=...)`
    (over HTTP: `{"thread_id": ..., "command": {"resume": ...}}`).
    """

    type: Literal["interrupt"] = "interrupt"
    id: str
    """The interrupt's id: it tells pending interrupts apart."""
    value: Any
    """What the node passed to `interrupt()`, e.g. a question for the user."""


@dataclass(kw_only=True)
class PartEvent(BaseEvent):
    """One part of LangGraph's own stream, as LangGraph gives it.

    Only runs started with `stream_events(..., parts=True)` yield these, in place
    of the typed events above, for protocols whose clients read LangGraph's own
    shapes (the LangGraph Platform API): nothing of the part is lost or rebuilt.
    """

    type: Literal["part"] = "part"
    mode: str
    """The LangGraph stream mode: `values`, `updates`, `messages`, `custom`,
    `debug`, `tasks` or `checkpoints`."""
    data: Any
    """The part's data; for `messages` the `(message chunk, metadata)` pair."""
    interrupts: tuple[Any, ...] = ()
    """For `values`: the interrupts the graph stopped at (LangGraph `Interrupt`s)."""


@dataclass(kw_only=True)
class ErrorEvent(BaseEvent):
    """The run failed (any mode): `error` names what, `message` says it.

    A `done` event with status `error` follows it.
    """

    type: Literal["error"] = "error"
    error: str
    """The exception's class name; `timeout` or `shutdown` when the library
    stopped the run."""
    message: str


@dataclass(kw_only=True)
class DoneEvent(BaseEvent):
    """Last event of every run."""

    type: Literal["done"] = "done"
    status: EndStatus = "success"
    """How the run ended."""


Event = Annotated[
    MetadataEvent
    | TokenEvent
    | ReasoningEvent
    | ToolCallChunkEvent
    | MessageEvent
    | UpdatesEvent
    | ValuesEvent
    | CustomEvent
    | NodeStartEvent
    | NodeEndEvent
    | CheckpointEvent
    | InterruptEvent
    | PartEvent
    | ErrorEvent
    | DoneEvent,
    Field(discriminator="type"),
]
"""Any event of a run, discriminated by its `type` field."""

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
"""Parses events back from their JSON (`event_adapter.validate_json(data)`) and
gives their JSON schema (`event_adapter.json_schema()`)."""

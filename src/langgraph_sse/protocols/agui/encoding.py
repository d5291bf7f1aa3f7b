"""AG-UI's event stream, written from a run's typed events.

Each AG-UI event is one frame, `data: <json>` and a blank line, `\\n` line
endings, optional fields left out (never `null`), no `RAW` events and no
`rawEvent`:

```text
data: {"type":"RUN_STARTED","threadId":"t-1","runId":"r-1"}

data: {"type":"STEP_STARTED","stepName":"agent"}

data: {"type":"TEXT_MESSAGE_START","messageId":"run-1","role":"assistant"}

data: {"type":"TEXT_MESSAGE_CONTENT","messageId":"run-1","delta":"Hello"}
```

| the run's events | AG-UI events |
| --- | --- |
| `metadata` | `RUN_STARTED` (the client's `threadId` and `runId`) |
| `node_start` / `node_end` of a root node | `STEP_STARTED` / `STEP_FINISHED` (`stepName`: the node) |
| `token` | `TEXT_MESSAGE_START` (role `assistant`) once, then `TEXT_MESSAGE_CONTENT` |
| `tool_call_chunk` | `TOOL_CALL_START` (`parentMessageId`: the AI message) once, then `TOOL_CALL_ARGS` |
| `reasoning` | `REASONING_START`, `REASONING_MESSAGE_START` once, then `REASONING_MESSAGE_CONTENT` |
| `message`: a tool message | `TOOL_CALL_RESULT` |
| `message`: another message (not streamed) | its text and tool calls, each opened, filled and closed at once |
| `custom` | `CUSTOM` named `custom` (a `{"name": ..., "value": ...}` payload names itself) |
| `interrupt` | `CUSTOM` named `on_interrupt`, its value |
| `values` of the root graph | `STATE_SNAPSHOT` (the values but `messages`, when they changed) |
| `done` | `MESSAGES_SNAPSHOT`, then `RUN_FINISHED` (`outcome`: success, interrupt, cancelled) |
| `error` | `RUN_ERROR` (`message`, `code`: the error's type), the last event |

Whatever a step opened (text, tool calls, reasoning) ends with its step; whatever
is still open ends before `RUN_FINISHED` or `RUN_ERROR`, so every `*_START` has
its `*_END`, as the client's verifier demands. Nothing here builds a pydantic
model: each frame is written once, from bytes and plain values, by
[dumps][langgraph_sse.core.serialize.dumps].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from langgraph_sse.core.encoding import Encoder
from langgraph_sse.core.events import (
    CustomEvent,
    DoneEvent,
    ErrorEvent,
    Event,
    InterruptEvent,
    MessageEvent,
    MetadataEvent,
    NodeEndEvent,
    NodeStartEvent,
    ReasoningEvent,
    TokenEvent,
    ToolCallChunkEvent,
    ValuesEvent,
)
from langgraph_sse.core.serialize import dumps
from langgraph_sse.core.translate import StreamMode
from langgraph_sse.protocols.agui.messages import text_of, to_agui

__all__ = ["CUSTOM_NAME", "INTERRUPT_NAME", "STREAM_MODES", "AGUIFormat", "interrupt_of"]

STREAM_MODES: tuple[StreamMode, ...] = ("messages", "tasks", "custom", "values")
"""What an AG-UI run streams: `messages` (text, tool calls, reasoning, tool
results), `tasks` (steps), `custom` (`CUSTOM`), `values` (the snapshots)."""

CUSTOM_NAME = "custom"
"""The `name` of a `CUSTOM` event carrying what a node wrote with
`get_stream_writer()`, unless the payload names itself (`{"name", "value"}`)."""

INTERRUPT_NAME = "on_interrupt"
"""The `name` of the `CUSTOM` event carrying an interrupt's value."""

_INTERRUPT_REASON = "langgraph:interrupt"

Key = tuple[str, Any]


class AGUIFormat:
    """AG-UI's wire format for one run.

    Args:
        thread_id: The client's `threadId`, echoed in `RUN_STARTED` and `RUN_FINISHED`.
        run_id: The client's `runId`, echoed likewise.
    """

    name = "ag-ui"
    stream_modes = STREAM_MODES
    """What its runs stream, whatever `Limits.stream_modes` allows clients to ask for."""

    def __init__(self, thread_id: str, run_id: str) -> None:
        self.thread_id = thread_id
        self.run_id = run_id

    def encoder(self) -> Encoder:
        """A fresh encoder: it keeps what the run has open (steps, messages, tool calls)."""
        return _Encoder(self.thread_id, self.run_id).encode

    def event_seq(self, last_event_id: str) -> int:
        """AG-UI frames carry no ids; a run's log still files them by `seq`.

        Raises:
            ValueError: not a non-negative integer.
        """
        seq = int(last_event_id)
        if seq < 0:
            raise ValueError(last_event_id)
        return seq


def interrupt_of(event: InterruptEvent) -> dict[str, Any]:
    """The AG-UI `Interrupt` for a LangGraph interrupt: its `id`; `reason`,
    `message`, `toolCallId`, `responseSchema`, `expiresAt` from the value when it
    is a dict holding them (a string value is the `message`); the value itself
    in `metadata.value`."""
    value = event.value
    item: dict[str, Any] = {"id": event.id, "reason": _INTERRUPT_REASON}
    if isinstance(value, str):
        item["message"] = value
    elif isinstance(value, Mapping):
        for key, names in _INTERRUPT_FIELDS:
            found = next((value[name] for name in names if value.get(name) is not None), None)
            if found is not None and isinstance(found, _INTERRUPT_TYPES[key]):
                item[key] = found
    item["metadata"] = {"value": value}
    return item


_INTERRUPT_FIELDS = (
    ("reason", ("reason",)),
    ("message", ("message",)),
    ("toolCallId", ("toolCallId", "tool_call_id")),
    ("responseSchema", ("responseSchema", "response_schema")),
    ("expiresAt", ("expiresAt", "expires_at")),
)
_INTERRUPT_TYPES: dict[str, type | tuple[type, ...]] = {
    "reason": str,
    "message": str,
    "toolCallId": str,
    "responseSchema": dict,
    "expiresAt": str,
}


def _frame(event: dict[str, Any]) -> bytes:
    return b"data: " + dumps(event) + b"\n\n"


_CONTENT = b'data: {"type":"TEXT_MESSAGE_CONTENT","messageId":%b,"delta":%b}\n\n'
_ARGS = b'data: {"type":"TOOL_CALL_ARGS","toolCallId":%b,"delta":%b}\n\n'
_REASONING = b'data: {"type":"REASONING_MESSAGE_CONTENT","messageId":%b,"delta":%b}\n\n'


class _Encoder:
    """One run's encoder: what it has open, and the frames of each event."""

    def __init__(self, thread_id: str, run_id: str) -> None:
        self.thread_id = thread_id
        self.run_id = run_id
        self.ids: dict[str, bytes] = {}  # message or tool call id -> its JSON
        self.steps: dict[str, str] = {}  # open root task id -> node
        self.step_names: dict[str, int] = {}  # node -> how many of its tasks are open
        self.task_of: dict[str, str] = {}  # node -> its latest open root task
        self.texts: dict[str, str | None] = {}  # open text message id -> owner task
        self.reasoning: dict[str, str | None] = {}  # open reasoning id -> owner task
        self.tools: dict[Key, tuple[str, str | None]] = {}  # open call -> (id, owner)
        self.last_tool: dict[str, Key] = {}  # message id -> its latest tool call
        self.seen: set[str] = set()  # ids of messages streamed in this run
        self.interrupts: list[dict[str, Any]] = []
        self.state: bytes | None = None  # the last STATE_SNAPSHOT's JSON
        self.messages: Any = None  # the root graph's last messages
        self.over = False

    def json_id(self, value: str) -> bytes:
        found = self.ids.get(value)
        if found is None:
            found = self.ids[value] = dumps(value)
        return found

    def encode(self, event: Event) -> bytes:
        if self.over:
            return b""
        kind = type(event)
        if kind is TokenEvent:
            return self.token(event)  # type: ignore[arg-type]
        handler = _HANDLERS.get(kind)
        return b"" if handler is None else handler(self, event)

    # -- whose is it ----------------------------------------------------------

    def owner(self, ns: tuple[str, ...], node: str | None) -> str | None:
        """The root task an event belongs to: a subgraph's (`node:task_id`), else
        the open task of its node."""
        if ns:
            return ns[0].partition(":")[2] or None
        return None if node is None else self.task_of.get(node)

    # -- text, reasoning, tool calls -------------------------------------------

    def token(self, event: TokenEvent) -> bytes:
        mid = event.message_id or f"{self.run_id}-{event.node}"
        head = b""
        if mid not in self.texts:
            head = self.open_text(mid, self.owner(event.ns, event.node))
        return head + _CONTENT % (self.ids[mid], dumps(event.text))

    def open_text(self, mid: str, owner: str | None, role: str = "assistant") -> bytes:
        head = self.close_reasoning(mid) if mid in self.reasoning else b""
        self.texts[mid] = owner
        self.seen.add(mid)
        start = {"type": "TEXT_MESSAGE_START", "messageId": mid, "role": role}
        self.json_id(mid)
        return head + _frame(start)

    def close_text(self, mid: str) -> bytes:
        del self.texts[mid]
        return _frame({"type": "TEXT_MESSAGE_END", "messageId": mid})

    def reasoning_delta(self, event: ReasoningEvent) -> bytes:
        mid = event.message_id or f"{self.run_id}-{event.node}"
        rid = f"{mid}-reasoning"
        head = b""
        if mid not in self.reasoning:
            self.reasoning[mid] = self.owner(event.ns, event.node)
            self.seen.add(mid)
            head = _frame({"type": "REASONING_START", "messageId": rid}) + _frame(
                {"type": "REASONING_MESSAGE_START", "messageId": rid, "role": "reasoning"}
            )
        return head + _REASONING % (self.json_id(rid), dumps(event.text))

    def close_reasoning(self, mid: str) -> bytes:
        del self.reasoning[mid]
        rid = f"{mid}-reasoning"
        return _frame({"type": "REASONING_MESSAGE_END", "messageId": rid}) + _frame(
            {"type": "REASONING_END", "messageId": rid}
        )

    def tool_chunk(self, event: ToolCallChunkEvent) -> bytes:
        mid = event.message_id or f"{self.run_id}-{event.node}"
        key: Key = (mid, event.index if event.index is not None else event.id)
        head = b""
        if key not in self.tools:
            if event.id is None and event.name is None and mid in self.last_tool:
                key = self.last_tool[mid]  # more arguments for the latest call
            else:
                head = self.open_tool(key, event, mid)
        if not event.args:
            return head
        call_id = self.tools[key][0]
        return head + _ARGS % (self.ids[call_id], dumps(event.args))

    def open_tool(self, key: Key, event: ToolCallChunkEvent, mid: str) -> bytes:
        head = self.close_reasoning(mid) if mid in self.reasoning else b""
        call_id = event.id or f"{mid}-{key[1]}"
        self.tools[key] = (call_id, self.owner(event.ns, event.node))
        self.last_tool[mid] = key
        self.seen.add(mid)
        self.json_id(call_id)
        start = {
            "type": "TOOL_CALL_START",
            "toolCallId": call_id,
            "toolCallName": event.name or "",
            "parentMessageId": mid,
        }
        return head + _frame(start)

    def close_tool(self, key: Key) -> bytes:
        call_id, _ = self.tools.pop(key)
        return _frame({"type": "TOOL_CALL_END", "toolCallId": call_id})

    def message(self, event: MessageEvent) -> bytes:
        message = event.message
        if not isinstance(message, BaseMessage):
            return b""
        if isinstance(message, ToolMessage):
            result = {
                "type": "TOOL_CALL_RESULT",
                "messageId": message.id or f"{message.tool_call_id}-result",
                "toolCallId": message.tool_call_id,
                "content": text_of(message.content),
            }
            return _frame(result)
        mid = message.id
        if mid is None or mid in self.seen:
            return b""
        frames = []
        owner = self.owner(event.ns, event.node)
        text = text_of(message.content)
        role = _TEXT_ROLES.get(message.type)
        if text and role is not None:
            frames.append(self.open_text(mid, owner, role))
            frames.append(_CONTENT % (self.ids[mid], dumps(text)))
            frames.append(self.close_text(mid))
        if isinstance(message, AIMessage):
            for index, call in enumerate(message.tool_calls):
                key: Key = (mid, index)
                chunk = ToolCallChunkEvent(seq=event.seq, id=call["id"], name=call["name"])
                frames.append(self.open_tool(key, chunk, mid))
                call_id = self.tools[key][0]
                args = {"type": "TOOL_CALL_ARGS", "toolCallId": call_id, "delta": ""}
                args["delta"] = dumps(call["args"]).decode()
                frames.append(_frame(args))
                frames.append(self.close_tool(key))
        self.seen.add(mid)
        return b"".join(frames)

    def close_owned(self, owner: str | None = None, every: bool = True) -> bytes:
        """End what `owner` has open (everything, with `every`)."""
        frames = [
            self.close_reasoning(mid)
            for mid, by in list(self.reasoning.items())
            if every or by == owner
        ]
        frames += [
            self.close_text(mid) for mid, by in list(self.texts.items()) if every or by == owner
        ]
        frames += [
            self.close_tool(key)
            for key, (_, by) in list(self.tools.items())
            if every or by == owner
        ]
        return b"".join(frames)

    # -- steps ----------------------------------------------------------------

    def node_start(self, event: NodeStartEvent) -> bytes:
        if event.ns:
            return b""
        node = event.node
        self.steps[event.task_id] = node
        self.task_of[node] = event.task_id
        count = self.step_names.get(node, 0)
        self.step_names[node] = count + 1
        if count:  # the same node twice at once (Send): one step
            return b""
        return _frame({"type": "STEP_STARTED", "stepName": node})

    def node_end(self, event: NodeEndEvent) -> bytes:
        node = self.steps.pop(event.task_id, None) if not event.ns else None
        if node is None:
            return b""
        if self.task_of.get(node) == event.task_id:
            del self.task_of[node]
        head = self.close_owned(event.task_id, every=not self.steps)
        count = self.step_names[node] - 1
        if count:
            self.step_names[node] = count
            return head
        del self.step_names[node]
        return head + _frame({"type": "STEP_FINISHED", "stepName": node})

    def close_all(self) -> bytes:
        frames = [self.close_owned()]
        frames += [_frame({"type": "STEP_FINISHED", "stepName": node}) for node in self.step_names]
        self.steps.clear()
        self.step_names.clear()
        self.task_of.clear()
        return b"".join(frames)

    # -- the run ----------------------------------------------------------------

    def started(self, event: MetadataEvent) -> bytes:
        return _frame({"type": "RUN_STARTED", "threadId": self.thread_id, "runId": self.run_id})

    def custom(self, event: CustomEvent) -> bytes:
        data = event.data
        name, value = CUSTOM_NAME, data
        if (
            isinstance(data, dict)
            and len(data) == 2
            and isinstance(data.get("name"), str)
            and "value" in data
        ):
            name, value = data["name"], data["value"]
        return _frame({"type": "CUSTOM", "name": name, "value": value})

    def interrupt(self, event: InterruptEvent) -> bytes:
        self.interrupts.append(interrupt_of(event))
        return _frame({"type": "CUSTOM", "name": INTERRUPT_NAME, "value": event.value})

    def values(self, event: ValuesEvent) -> bytes:
        if event.ns:
            return b""
        data = event.data
        if isinstance(data, Mapping) and "messages" in data:
            self.messages = data["messages"]
            data = {key: value for key, value in data.items() if key != "messages"}
        state = dumps(data)
        if state == self.state:
            return b""
        self.state = state
        return b'data: {"type":"STATE_SNAPSHOT","snapshot":' + state + b"}\n\n"

    def error(self, event: ErrorEvent) -> bytes:
        self.over = True
        error = {"type": "RUN_ERROR", "message": event.message, "code": event.error}
        return self.close_all() + _frame(error)

    def done(self, event: DoneEvent) -> bytes:
        self.over = True
        frames = [self.close_all()]
        outcome: dict[str, Any] = {"type": "success"}
        if event.status == "cancelled":
            outcome = {"type": "cancelled"}
        elif event.status == "interrupted" and self.interrupts:
            outcome = {"type": "interrupt", "interrupts": self.interrupts}
        if self.messages is not None and event.status != "cancelled":
            snapshot = {"type": "MESSAGES_SNAPSHOT", "messages": to_agui(self.messages)}
            frames.append(_frame(snapshot))
        finished = {
            "type": "RUN_FINISHED",
            "threadId": self.thread_id,
            "runId": self.run_id,
            "outcome": outcome,
        }
        frames.append(_frame(finished))
        return b"".join(frames)


_TEXT_ROLES = {"ai": "assistant", "human": "user", "system": "system"}

_HANDLERS: dict[type, Any] = {
    MetadataEvent: _Encoder.started,
    ReasoningEvent: _Encoder.reasoning_delta,
    ToolCallChunkEvent: _Encoder.tool_chunk,
    MessageEvent: _Encoder.message,
    NodeStartEvent: _Encoder.node_start,
    NodeEndEvent: _Encoder.node_end,
    CustomEvent: _Encoder.custom,
    InterruptEvent: _Encoder.interrupt,
    ValuesEvent: _Encoder.values,
    ErrorEvent: _Encoder.error,
    DoneEvent: _Encoder.done,
}

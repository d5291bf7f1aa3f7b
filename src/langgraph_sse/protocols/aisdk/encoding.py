"""The AI SDK's UI message stream (protocol `v1`), written from a run's events.

Each part is one SSE frame, `data: <json>`, with no `event:` or `id:` field, as
the `ai` package's `DefaultChatTransport` reads it; the stream ends with
`data: [DONE]`:

```text
data: {"type":"start","messageId":"0b6c…"}

data: {"type":"start-step"}

data: {"type":"text-start","id":"0"}

data: {"type":"text-delta","id":"0","delta":"Hello"}

data: {"type":"text-end","id":"0"}

data: {"type":"finish-step"}

data: {"type":"finish","finishReason":"stop"}

data: [DONE]
```

| run event | parts |
| --- | --- |
| `metadata` | `start` (`messageId`: the run id, or the assistant message a resume continues) |
| `node_start` / `node_end` (`tasks` mode) | `start-step` (before a node's first part) / `finish-step` (once no node runs): a node that writes no part has no step |
| `token` | `text-start`, `text-delta`...; one short id per message, ended at the step's end |
| `reasoning` | `reasoning-start`, `reasoning-delta`..., `reasoning-end` |
| `tool_call_chunk` | `tool-input-start` (`dynamic: true`), `tool-input-delta`...; at the step's end `tool-input-available` with the parsed input (`tool-input-error` if it is no JSON) |
| `message`: a `ToolMessage` | `tool-output-available` (`tool-output-error` for `status="error"`) |
| `message`: a whole `AIMessage` | its text as one `text-start`/`text-delta`/`text-end`; its tool calls as `tool-input-available` |
| `custom` | `data-<type>` when the payload is an object with a string `type`, else `data-custom` |
| `interrupt` | in a step of its own: `tool-input-available` (tool `interrupt`, the interrupt's id and value), `tool-approval-request` |
| `error` | `error` (`errorText`), after ending what was open; no `finish` |
| `done` | `finish` (`finishReason` `stop`, or `tool-calls` after an interrupt), or `abort` when cancelled; then `[DONE]` |

Every `*-start` gets its `*-end` before its step's `finish-step`, and every step
ends before `finish`, `abort` or `error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from langchain_core.messages import AIMessage, ToolMessage

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
)
from langgraph_sse.core.serialize import SerializationError, dumps
from langgraph_sse.core.translate import StreamMode
from langgraph_sse.protocols.aisdk.requests import Answer

__all__ = ["CHAT_MODES", "DONE", "INTERRUPT_TOOL", "AISDKFormat", "data_part_type"]

CHAT_MODES: tuple[StreamMode, ...] = ("messages", "custom", "tasks")
"""The LangGraph stream modes of every chat run: `messages` (text, reasoning and
tool calls token by token; tool results and unstreamed messages whole), `custom`
(`data-*` parts) and `tasks` (a step per node)."""

INTERRUPT_TOOL = "interrupt"
"""The `toolName` of the tool part an interrupt becomes."""

DONE = b"data: [DONE]\n\n"
"""The stream's last frame."""

_TEXT_DELTA = b'data: {"type":"text-delta","id":"%b","delta":%b}\n\n'
_TEXT_START = b'data: {"type":"text-start","id":"%b"}\n\n'
_TEXT_END = b'data: {"type":"text-end","id":"%b"}\n\n'
_REASONING_DELTA = b'data: {"type":"reasoning-delta","id":"%b","delta":%b}\n\n'
_REASONING_START = b'data: {"type":"reasoning-start","id":"%b"}\n\n'
_REASONING_END = b'data: {"type":"reasoning-end","id":"%b"}\n\n'
_TOOL_INPUT_DELTA = b'data: {"type":"tool-input-delta","toolCallId":%b,"inputTextDelta":%b}\n\n'
_START_STEP = b'data: {"type":"start-step"}\n\n'
_FINISH_STEP = b'data: {"type":"finish-step"}\n\n'


def _frame(part: dict[str, Any]) -> bytes:
    return b"data: " + dumps(part) + b"\n\n"


def data_part_type(payload: Any) -> str:
    """The part type a `stream_writer` payload is sent as: `data-<type>` when it
    is an object naming a string `type`, else `data-custom`."""
    if isinstance(payload, dict):
        name = payload.get("type")
        if isinstance(name, str) and name:
            return f"data-{name}"
    return "data-custom"


class AISDKFormat:
    """The UI message stream of one chat request.

    Args:
        message_id: The assistant message the run continues (a resume after
            approvals); None: a new message, whose id is the run's.
        answers: The approvals the request answers: each interrupt's tool part
            gets its output (`tool-output-available` with the answer, or
            `tool-output-denied`) right after `start`.
    """

    name = "ai-sdk"
    stream_modes = CHAT_MODES
    """What its runs stream, whatever `Limits.stream_modes` allows clients to ask for."""

    def __init__(self, message_id: str | None = None, answers: Sequence[Answer] = ()) -> None:
        self.message_id = message_id
        self.answers = tuple(answers)

    def encoder(self) -> Encoder:
        """A fresh encoder: it keeps which steps, parts and tool calls are open."""
        return _Encoder(self.message_id, self.answers).encode

    def event_seq(self, last_event_id: str) -> int | None:
        """The stream writes no ids (the AI SDK replays a run from its start); an
        id given anyway is read as an event's `seq`.

        Raises:
            ValueError: not an integer of at least 0.
        """
        seq = int(last_event_id)
        if seq < 0:
            raise ValueError(last_event_id)
        return seq


class _Call:
    __slots__ = ("args", "id", "name")

    def __init__(self, call_id: str, name: str) -> None:
        self.id = call_id
        self.name = name
        self.args: list[str] = []


class _Encoder:
    """The parts of one run; the per-token path is one dict lookup and one template."""

    def __init__(self, message_id: str | None, answers: tuple[Answer, ...]) -> None:
        self.message_id = message_id
        self.answers = answers
        self.step = False
        self.tasks: set[str] = set()
        self.texts: dict[str, bytes] = {}  # message -> id of its open text part
        self.reasonings: dict[str, bytes] = {}  # message -> id of its open reasoning part
        self.ids: dict[str, bytes] = {}  # message -> its part id
        self.calls: dict[tuple[str, object], _Call] = {}  # open tool calls
        self.sent_calls: set[str] = set()  # tool call ids whose part the client has
        self.interrupted = False
        self.failed = False
        self.handlers = {
            MetadataEvent: self.metadata,
            ReasoningEvent: self.reasoning,
            ToolCallChunkEvent: self.tool_chunk,
            MessageEvent: self.message,
            CustomEvent: self.custom,
            NodeStartEvent: self.node_start,
            NodeEndEvent: self.node_end,
            InterruptEvent: self.interrupt,
            ErrorEvent: self.error,
            DoneEvent: self.done,
        }

    def encode(self, event: Event) -> bytes:
        if type(event) is TokenEvent:
            part_id = self.texts.get(event.message_id or "")
            if part_id is not None and self.step:
                return _TEXT_DELTA % (part_id, dumps(event.text))
            return self.token(event)
        handler = self.handlers.get(type(event))
        return b"" if handler is None else handler(event)  # type: ignore[operator]

    # -- steps and parts ----------------------------------------------------------

    def part_id(self, key: str) -> bytes:
        part_id = self.ids.get(key)
        if part_id is None:
            part_id = self.ids[key] = str(len(self.ids)).encode()
        return part_id

    def open_step(self) -> bytes:
        if self.step:
            return b""
        self.step = True
        return _START_STEP

    def close_parts(self) -> bytes:
        out = [_REASONING_END % part_id for part_id in self.reasonings.values()]
        out.extend(_TEXT_END % part_id for part_id in self.texts.values())
        self.reasonings.clear()
        self.texts.clear()
        out.extend(self.close_call(call) for call in self.calls.values())
        self.calls.clear()
        return b"".join(out)

    def close_step(self) -> bytes:
        out = self.close_parts()
        if self.step:
            self.step = False
            out += _FINISH_STEP
        return out

    def close_call(self, call: _Call) -> bytes:
        self.sent_calls.add(call.id)
        text = "".join(call.args)
        part = {"toolCallId": call.id, "toolName": call.name, "dynamic": True}
        try:
            arguments = orjson.loads(text) if text.strip() else {}
        except orjson.JSONDecodeError as exc:
            error = f"The tool call's arguments are not JSON: {exc}"
            return _frame({"type": "tool-input-error", **part, "input": text, "errorText": error})
        return _frame({"type": "tool-input-available", **part, "input": arguments})

    # -- events ---------------------------------------------------------------------

    def metadata(self, event: MetadataEvent) -> bytes:
        start = {"type": "start", "messageId": self.message_id or event.run_id}
        out = [_frame(start)]
        for answer in self.answers:  # the interrupt's part, then its answer
            call = {"toolCallId": answer.tool_call_id, "toolName": answer.tool_name}
            part = {"type": "tool-input-available", **call, "input": answer.input, "dynamic": True}
            try:
                out.append(_frame(part))
            except SerializationError:  # the client's copy of the input: not needed to go on
                out.append(_frame({**part, "input": None}))
            if answer.approved:
                output = {"toolCallId": answer.tool_call_id, "output": answer.value}
                out.append(_frame({"type": "tool-output-available", **output, "dynamic": True}))
            else:
                out.append(
                    _frame({"type": "tool-output-denied", "toolCallId": answer.tool_call_id})
                )
            self.sent_calls.add(answer.tool_call_id)
        return b"".join(out)

    def token(self, event: TokenEvent) -> bytes:
        key = event.message_id or ""
        out = self.open_step()
        reasoning = self.reasonings.pop(key, None)
        if reasoning is not None:
            out += _REASONING_END % reasoning
        part_id = self.texts.get(key)
        if part_id is None:
            part_id = self.texts[key] = self.part_id(key)
            out += _TEXT_START % part_id
        return out + _TEXT_DELTA % (part_id, dumps(event.text))

    def reasoning(self, event: ReasoningEvent) -> bytes:
        key = event.message_id or ""
        out = self.open_step()
        part_id = self.reasonings.get(key)
        if part_id is None:
            part_id = self.reasonings[key] = self.part_id(key)
            out += _REASONING_START % part_id
        return out + _REASONING_DELTA % (part_id, dumps(event.text))

    def tool_chunk(self, event: ToolCallChunkEvent) -> bytes:
        key = event.message_id or ""
        slot = (key, event.index if event.index is not None else event.id)
        out = self.open_step()
        call = self.calls.get(slot)
        if call is not None and event.id and event.id != call.id:  # a new call in its place
            out += self.close_call(self.calls.pop(slot))
            call = None
        if call is None:
            call_id = event.id or f"call-{key}-{slot[1]}"
            call = self.calls[slot] = _Call(call_id, event.name or "tool")
            start = {"toolCallId": call_id, "toolName": call.name, "dynamic": True}
            out += _frame({"type": "tool-input-start", **start})
        if event.args:
            call.args.append(event.args)
            out += _TOOL_INPUT_DELTA % (dumps(call.id), dumps(event.args))
        return out

    def message(self, event: MessageEvent) -> bytes:
        message = event.message
        if isinstance(message, ToolMessage):
            return self.tool_output(message)
        if not isinstance(message, AIMessage):
            return b""  # the user's own messages, system messages: the client has them
        calls = []
        for call in message.tool_calls:
            call_id = call.get("id") or f"call-{event.seq}-{call['name']}"
            part = {"toolCallId": call_id, "toolName": call["name"], "dynamic": True}
            calls.append(
                (call_id, _frame({"type": "tool-input-available", **part, "input": call["args"]}))
            )
        out = self.open_step()
        text = message.text
        key = message.id or f"message-{event.seq}"
        if text and key not in self.ids:  # a message streamed already is not sent again
            part_id = self.part_id(key)
            out += _TEXT_START % part_id
            out += _TEXT_DELTA % (part_id, dumps(text))
            out += _TEXT_END % part_id
        for call_id, frame in calls:
            self.sent_calls.add(call_id)
            out += frame
        return out

    def tool_output(self, message: ToolMessage) -> bytes:
        call_id = message.tool_call_id
        if message.status == "error":
            error = {"toolCallId": call_id, "errorText": message.text, "dynamic": True}
            result = _frame({"type": "tool-output-error", **error})
        else:
            output = {"toolCallId": call_id, "output": message.content, "dynamic": True}
            result = _frame({"type": "tool-output-available", **output})
        out = self.open_step()
        for slot, call in list(self.calls.items()):  # its call may still be open
            if call.id == call_id:
                out += self.close_call(self.calls.pop(slot))
        if call_id not in self.sent_calls:  # a call the client never saw: its part first
            self.sent_calls.add(call_id)
            part = {"toolCallId": call_id, "toolName": message.name or "tool", "dynamic": True}
            out += _frame({"type": "tool-input-available", **part, "input": {}})
        return out + result

    def custom(self, event: CustomEvent) -> bytes:
        frame = _frame({"type": data_part_type(event.data), "data": event.data})
        return self.open_step() + frame  # serialized first: a payload that fails opens nothing

    def node_start(self, event: NodeStartEvent) -> bytes:
        self.tasks.add(event.task_id)  # its step starts with its first part: none if empty
        return b""

    def node_end(self, event: NodeEndEvent) -> bytes:
        self.tasks.discard(event.task_id)
        return b"" if self.tasks else self.close_step()

    def interrupt(self, event: InterruptEvent) -> bytes:
        part = {"toolCallId": event.id, "toolName": INTERRUPT_TOOL, "dynamic": True}
        tool = _frame({"type": "tool-input-available", **part, "input": event.value})
        request = {"type": "tool-approval-request", "approvalId": event.id, "toolCallId": event.id}
        self.interrupted = True
        self.sent_calls.add(event.id)
        # A step of its own: what the client answers is all of its last step.
        return self.close_step() + self.open_step() + tool + _frame(request)

    def error(self, event: ErrorEvent) -> bytes:
        self.failed = True
        return self.close_step() + _frame(
            {"type": "error", "errorText": event.message or event.error}
        )

    def done(self, event: DoneEvent) -> bytes:
        if self.failed:
            return DONE
        out = self.close_step()
        if event.status == "cancelled":
            return out + _frame({"type": "abort", "reason": "cancelled"}) + DONE
        reason = "tool-calls" if self.interrupted else "stop"
        return out + _frame({"type": "finish", "finishReason": reason}) + DONE

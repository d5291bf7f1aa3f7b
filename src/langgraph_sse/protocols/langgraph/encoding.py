"""The LangGraph Platform's event stream, written from LangGraph's own stream parts.

Frames are what langgraph-api writes, so the official SDKs read them as theirs:

```text
event: metadata
data: {"run_id":"…","attempt":1}
id: 0

event: messages
data: [{"content":"Hel","type":"AIMessageChunk","id":"run-…",…},{"langgraph_node":"agent",…}]
id: 3

event: values
data: {"messages":[…],"__interrupt__":[{"value":{"question":"approve?"},"id":"…"}]}
id: 9

event: end
data: null
id: 10
```

Two things differ from langgraph-api, on purpose: every frame has its own
strictly increasing `id:` (langgraph-api writes `{ms}-0` ids, only for resumable
runs, and several frames can share one), so a `Last-Event-ID` resume loses and
repeats nothing; and every run ends with an `end` event (after `error`, if it
failed), so a client knows the run is over without asking.

Events from inside a subgraph are named `mode|<namespace>` (`updates|sub:6f2…`).
The `messages-tuple` mode is LangGraph's `messages` mode, named `messages` on the
wire; the legacy `messages` mode (`messages/metadata`, `messages/partial`,
`messages/complete`) is built from the same parts.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from langchain_core.messages import BaseMessage, BaseMessageChunk, message_chunk_to_message

from langgraph_sse.core.encoding import Encoder
from langgraph_sse.core.events import DoneEvent, ErrorEvent, Event, MetadataEvent, PartEvent
from langgraph_sse.core.serialize import dumps

__all__ = ["LangGraphFormat"]

_METADATA = b"metadata"


class LangGraphFormat:
    """The LangGraph Platform's wire format for one run's requested modes.

    Args:
        modes: The modes the client asked for, in the API's names (`messages-tuple`,
            `messages`, `values`...): they decide how `messages` parts are written.
    """

    name = "langgraph"
    stream_parts = True

    def __init__(self, modes: Collection[str] = ("values",)) -> None:
        self.tuples = "messages-tuple" in modes
        self.legacy = "messages" in modes

    def encoder(self) -> Encoder:
        """A fresh encoder (the legacy `messages` mode keeps each message's text so far)."""
        return _Encoder(self.tuples, self.legacy).encode

    def event_seq(self, last_event_id: str) -> int | None:
        """The id is the event's `seq`; `-1` asks for every frame from the first.

        Raises:
            ValueError: not an integer of at least -1.
        """
        seq = int(last_event_id)
        if seq < -1:
            raise ValueError(last_event_id)
        return None if seq == -1 else seq


def _name(mode: bytes, ns: tuple[str, ...]) -> bytes:
    if not ns:
        return mode
    return b"|".join((mode, *(part.encode() for part in ns)))


def _frame(name: bytes, data: bytes, seq: int) -> bytes:
    return b"event: %b\ndata: %b\nid: %d\n\n" % (name, data, seq)


class _Encoder:
    __slots__ = ("legacy", "messages", "tuples")

    def __init__(self, tuples: bool, legacy: bool) -> None:
        self.tuples = tuples
        self.legacy = legacy
        self.messages: dict[str, BaseMessageChunk] = {}  # legacy mode: id -> text so far

    def encode(self, event: Event) -> bytes:
        if type(event) is PartEvent:
            return self.part(event)
        if isinstance(event, MetadataEvent):
            data = dumps({"run_id": event.run_id, "attempt": 1})
            return _frame(_METADATA, data, event.seq)
        if isinstance(event, ErrorEvent):
            data = dumps({"error": event.error, "message": event.message})
            return _frame(b"error", data, event.seq)
        if isinstance(event, DoneEvent):
            return _frame(b"end", b"null", event.seq)
        return b""

    def part(self, event: PartEvent) -> bytes:
        mode = event.mode
        if mode == "messages":
            return self.message(event)
        data: Any = event.data
        if mode == "values" and event.interrupts:
            data = {**data, "__interrupt__": event.interrupts}
        return _frame(_name(mode.encode(), event.ns), dumps(data), event.seq)

    def message(self, event: PartEvent) -> bytes:
        frames = []
        if self.tuples:
            frames.append((_name(b"messages", event.ns), dumps(event.data)))
        if self.legacy:
            frames.extend(self.legacy_frames(event))
        if not frames:
            return b""
        # One id for the event, on its last frame: a client that saw it saw them all.
        *first, (name, data) = frames
        head = b"".join(b"event: %b\ndata: %b\n\n" % frame for frame in first)
        return head + _frame(name, data, event.seq)

    def legacy_frames(self, event: PartEvent) -> list[tuple[bytes, bytes]]:
        message, metadata = event.data
        frames = []
        key = message.id or ""
        if key not in self.messages:
            frames.append((b"messages/metadata", dumps({key: {"metadata": metadata}})))
        if isinstance(message, BaseMessageChunk):
            so_far = self.messages.get(key)
            so_far = message if so_far is None else so_far + message
            self.messages[key] = so_far
            whole: BaseMessage = message_chunk_to_message(so_far)
            frames.append((b"messages/partial", dumps([whole])))
        else:
            self.messages[key] = message  # type: ignore[assignment]
            frames.append((b"messages/complete", dumps([message])))
        return frames

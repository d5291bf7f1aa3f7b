"""The native wire format: one SSE frame per event, its JSON as the data.

```text
event: token
id: 3
data: {"type":"token","seq":3,"ns":[],"text":"Hel","node":"agent","message_id":"run-1"}
```

The `event:` field is the event's `type` and the `id:` its `seq`, so a
browser `EventSource` can listen per type.
"""

from __future__ import annotations

from typing import get_args

from langgraph_sse.core.encoding import Encoder
from langgraph_sse.core.events import Event, EventType
from langgraph_sse.core.serialize import dumps

__all__ = ["JSONFormat", "encode_event"]

_NAMES: dict[str, bytes] = {name: name.encode() for name in get_args(EventType)}


def encode_event(event: Event) -> bytes:
    """The SSE frame of `event`: `event: <type>`, `id: <seq>`, `data: <json>`.

    The JSON is written on one line (line breaks inside strings are escaped), so
    the frame needs no splitting: this is [format_frame][langgraph_sse.http.sse.format_frame]
    without its line-break scan, on the per-token path.

    Raises:
        SerializationError: the event's payload cannot be turned into JSON.
    """
    return b"event: %b\nid: %d\ndata: %b\n\n" % (_NAMES[event.type], event.seq, dumps(event))


class JSONFormat:
    """The default wire format: each event as a JSON SSE frame."""

    name = "json"

    def encoder(self) -> Encoder:
        """Return [encode_event][langgraph_sse.protocols.native.encoding.encode_event]; this format keeps no per-run state."""
        return encode_event

    def event_seq(self, last_event_id: str) -> int:
        """The SSE id is the event's `seq`: a non-negative integer.

        Raises:
            ValueError: `last_event_id` is not one.
        """
        seq = int(last_event_id)
        if seq < 0:
            raise ValueError(last_event_id)
        return seq

"""The library's own format: one SSE frame per event, its JSON as the data.

```text
event: token
id: 3
data: {"type":"token","seq":3,"ns":[],"text":"Hel","node":"agent","message_id":"run-1"}
```

The `event:` field is the event's `type` and the `id:` its `seq`, so a
browser `EventSource` can listen per type.
"""

from __future__ import annotations

from langgraph_sse.events import Event
from langgraph_sse.formats.base import Encoder
from langgraph_sse.serialize import dumps
from langgraph_sse.sse import format_frame

__all__ = ["JSONFormat", "encode_event"]


def encode_event(event: Event) -> bytes:
    """The SSE frame of `event`: `event: <type>`, `id: <seq>`, `data: <json>`.

    The JSON is written on one line (line breaks inside strings are escaped).

    Raises:
        SerializationError: the event's payload cannot be turned into JSON.
    """
    return format_frame(dumps(event), event=event.type, id=event.seq)


class JSONFormat:
    """The default wire format: each event as a JSON SSE frame."""

    name = "json"

    def encoder(self) -> Encoder:
        """Return [encode_event][langgraph_sse.formats.json.encode_event]; this format keeps no per-run state."""
        return encode_event

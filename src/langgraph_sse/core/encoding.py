"""How a run's events become bytes: the per-run encoder a protocol supplies.

A [WireFormat][langgraph_sse.core.encoding.WireFormat] makes one encoder per
run. The encoder turns each event into the bytes of zero or more SSE frames
(`b""` to send nothing). Run logic (threads, runs, auth, cancellation) never looks
inside the bytes. The format also says what a client's `Last-Event-ID` means:
[event_seq][langgraph_sse.core.encoding.WireFormat.event_seq] maps it back to the
`seq` of the event whose frames carried that id, so a reader resumes right after
them, on any replica.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from langgraph_sse.core.events import Event

__all__ = ["Encoder", "WireFormat"]

Encoder = Callable[[Event], bytes]
"""Turns one event into the bytes of zero or more SSE frames."""


@runtime_checkable
class WireFormat(Protocol):
    """How the events of a run are written on the wire."""

    name: str
    """Short name of the format, e.g. `"json"`; a run started in one format is
    followed in the same one.

    A format whose clients read LangGraph's own shapes may also set
    `stream_parts = True`: its encoder then gets each LangGraph stream part as it
    is ([PartEvent][langgraph_sse.core.events.PartEvent]) instead of the typed
    events, beside the `metadata`, `error` and `done` events.

    A format whose encoder reads given stream modes (a protocol whose clients
    never name one, as AG-UI's and the AI SDK's) sets `stream_modes` to them: its
    runs stream those, and `Limits.stream_modes`, which bounds what clients ask
    for, does not apply to them."""

    def encoder(self) -> Encoder:
        """A fresh encoder for one run (formats may keep per-run state in it)."""
        ...

    def event_seq(self, last_event_id: str) -> int | None:
        """The `seq` of the event whose frames carried the SSE id `last_event_id`;
        None if the id asks for every frame from the first (as `-1` does in the
        LangGraph Platform API).

        Raises:
            ValueError: it is not an id this format writes.
        """
        ...

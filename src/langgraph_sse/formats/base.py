"""The wire format protocol."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from langgraph_sse.events import Event

__all__ = ["Encoder", "WireFormat"]

Encoder = Callable[[Event], bytes]
"""Turns one event into the bytes of zero or more SSE frames."""


@runtime_checkable
class WireFormat(Protocol):
    """How the events of a run are written on the wire."""

    name: str
    """Short name of the format, e.g. `"json"`."""

    def encoder(self) -> Encoder:
        """A fresh encoder for one run (formats may keep per-run state in it)."""
        ...

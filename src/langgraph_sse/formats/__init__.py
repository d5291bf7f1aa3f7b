"""Wire formats: how events become bytes on the wire.

A [WireFormat][langgraph_sse.formats.base.WireFormat] makes one encoder per run; the encoder turns each event
into zero or more SSE frames (`b""` to send nothing). Run logic (threads, runs,
auth, cancellation) never looks inside the bytes, so a format can be swapped
without touching it.
"""

from langgraph_sse.formats.base import Encoder, WireFormat
from langgraph_sse.formats.json import JSONFormat, encode_event

__all__ = ["Encoder", "JSONFormat", "WireFormat", "encode_event"]

"""What a protocol is: a request mapping, a per-run encoder, an endpoint table.

A [WireProtocol][langgraph_sse.protocols.base.WireProtocol] maps its own requests to
[RunSpec][langgraph_sse.core.spec.RunSpec]s, encodes runs in its own
[WireFormat][langgraph_sse.core.encoding.WireFormat], and lists its endpoints
([Endpoint][langgraph_sse.http.endpoint.Endpoint]) for the adapters to render.
Everything else (threads, runs, auth, ownership, resume, cancellation) is the
shared [GraphService][langgraph_sse.core.service.GraphService]'s.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from langgraph_sse.http.endpoint import Endpoint
from langgraph_sse.http.streaming import RunStreams

__all__ = ["WireProtocol"]


@runtime_checkable
class WireProtocol(Protocol):
    """A wire protocol the service can be mounted under."""

    name: str
    """Its name, e.g. `"native"`: what `protocol=` takes."""

    def endpoints(self, streams: RunStreams) -> list[Endpoint]:
        """Its endpoint table, serving `streams.service`."""
        ...

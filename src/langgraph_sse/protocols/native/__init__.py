"""The native protocol: the library's own typed JSON events over SSE.

A request mapping ([requests][langgraph_sse.protocols.native.requests]), an
encoder ([encoding][langgraph_sse.protocols.native.encoding]) and an endpoint
table ([endpoints][langgraph_sse.protocols.native.endpoints]), over the models
in [schemas][langgraph_sse.protocols.native.schemas].
"""

from __future__ import annotations

from langgraph_sse.core.encoding import WireFormat
from langgraph_sse.http.endpoint import Endpoint
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols.native.encoding import JSONFormat
from langgraph_sse.protocols.native.endpoints import native_endpoints

__all__ = ["NativeProtocol"]


class NativeProtocol:
    """The native protocol (`protocol="native"`, the default).

    Args:
        wire_format: How events become bytes;
            [JSONFormat][langgraph_sse.protocols.native.encoding.JSONFormat] by default.
    """

    name = "native"

    def __init__(self, wire_format: WireFormat | None = None) -> None:
        self.wire_format: WireFormat = wire_format or JSONFormat()

    def endpoints(self, streams: RunStreams) -> list[Endpoint]:
        """Its ten endpoints (see [endpoints][langgraph_sse.protocols.native.endpoints])."""
        return native_endpoints(streams, self.wire_format)

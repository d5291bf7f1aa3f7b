"""The AG-UI protocol: CopilotKit's `@ag-ui/client` (`HttpAgent`) against any graph.

A request mapping ([requests][langgraph_sse.protocols.agui.requests]) from AG-UI's
own `RunAgentInput` ([schemas][langgraph_sse.protocols.agui.schemas]), an encoder
([encoding][langgraph_sse.protocols.agui.encoding]) writing AG-UI events, the
message conversions between the two ([messages][langgraph_sse.protocols.agui.messages]),
and a one-endpoint table ([endpoints][langgraph_sse.protocols.agui.endpoints]).
Its models come from the `ag-ui` extra (`pip install "langgraph-sse[ag-ui]"`).
"""

from __future__ import annotations

from langgraph_sse.http.endpoint import Endpoint
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols.agui.encoding import AGUIFormat
from langgraph_sse.protocols.agui.endpoints import agui_endpoints

__all__ = ["AGUIFormat", "AGUIProtocol"]


class AGUIProtocol:
    """The AG-UI protocol (`protocol="ag-ui"`): `POST /` takes a `RunAgentInput`
    and streams the run as AG-UI events."""

    name = "ag-ui"

    def endpoints(self, streams: RunStreams) -> list[Endpoint]:
        """Its endpoint (see [endpoints][langgraph_sse.protocols.agui.endpoints])."""
        return agui_endpoints(streams)

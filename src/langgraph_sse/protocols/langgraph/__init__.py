"""The LangGraph Platform API: the official `langgraph-sdk` clients (Python and
JS, and so React `useStream` and Agent Chat UI) against any app that mounts it.

A request mapping ([requests][langgraph_sse.protocols.langgraph.requests]), an
encoder ([encoding][langgraph_sse.protocols.langgraph.encoding]) and an endpoint
table ([endpoints][langgraph_sse.protocols.langgraph.endpoints]), over the models
in [schemas][langgraph_sse.protocols.langgraph.schemas] and the resource shapes in
[shapes][langgraph_sse.protocols.langgraph.shapes].
"""

from __future__ import annotations

from langgraph_sse.http.endpoint import Endpoint
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols.langgraph.encoding import LangGraphFormat
from langgraph_sse.protocols.langgraph.endpoints import langgraph_endpoints

__all__ = ["LangGraphFormat", "LangGraphProtocol"]


class LangGraphProtocol:
    """The LangGraph Platform API (`protocol="langgraph"`).

    Args:
        assistant_id: The id of the graph's one assistant, what clients pass as
            `assistant_id`; the graph's name (`graph.name`) by default.
    """

    name = "langgraph"

    def __init__(self, assistant_id: str | None = None) -> None:
        self.assistant_id = assistant_id

    def endpoints(self, streams: RunStreams) -> list[Endpoint]:
        """Its endpoints (see [endpoints][langgraph_sse.protocols.langgraph.endpoints])."""
        return langgraph_endpoints(streams, self.assistant_id)

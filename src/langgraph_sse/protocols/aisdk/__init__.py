"""The Vercel AI SDK UI message stream protocol: `useChat` (the `ai` package's
`Chat` over `DefaultChatTransport`) against any compiled graph.

A request mapping ([requests][langgraph_sse.protocols.aisdk.requests]), an
encoder ([encoding][langgraph_sse.protocols.aisdk.encoding]) and an endpoint
table ([endpoints][langgraph_sse.protocols.aisdk.endpoints]), over the request
models in [schemas][langgraph_sse.protocols.aisdk.schemas].
"""

from __future__ import annotations

from langgraph_sse.http.endpoint import Endpoint
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols.aisdk.encoding import AISDKFormat
from langgraph_sse.protocols.aisdk.endpoints import aisdk_endpoints

__all__ = ["AISDKFormat", "AISDKProtocol"]


class AISDKProtocol:
    """The AI SDK UI message stream protocol (`protocol="ai-sdk"`).

    Args:
        input_key: The graph's state key a user message is added to, as
            `{input_key: [{"role": "user", "content": text, "id": ...}]}`.
    """

    name = "ai-sdk"

    def __init__(self, input_key: str = "messages") -> None:
        self.input_key = input_key

    def endpoints(self, streams: RunStreams) -> list[Endpoint]:
        """Its endpoints (see [endpoints][langgraph_sse.protocols.aisdk.endpoints])."""
        return aisdk_endpoints(streams, self.input_key)

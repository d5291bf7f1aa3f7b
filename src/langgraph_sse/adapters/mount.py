"""What every adapter does before rendering: a service, a protocol, its table.

[mount][langgraph_sse.adapters.mount.mount] takes what `make_router`,
`make_routes` and `make_asgi_app` are given (a graph with options, or a
[GraphService][langgraph_sse.core.service.GraphService] to share) and answers the
service and the protocol's endpoint table; the adapters only render the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel

from langgraph_sse.core.broker import RedisBroker
from langgraph_sse.core.encoding import WireFormat
from langgraph_sse.core.service import GraphService
from langgraph_sse.core.translate import StreamMode
from langgraph_sse.http.endpoint import Endpoint
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols import WireProtocol, resolve_protocol
from langgraph_sse.security.auth import Auth
from langgraph_sse.security.limits import Limits
from langgraph_sse.security.ownership import ThreadOwnership

__all__ = ["MountOptions", "Mounted", "mount"]


class MountOptions(TypedDict, total=False):
    """Keyword options of every adapter.

    With a graph, the [GraphService][langgraph_sse.core.service.GraphService]
    options make its service (`stream_mode`, `subgraphs`, `config`, `auth`,
    `ownership`, `limits`, `cancel_timeout`, `run_retention`, `broker`). Always:
    how runs stream ([RunStreams][langgraph_sse.http.streaming.RunStreams]:
    `ping_interval`, `flush_interval`) and, for the native protocol, its `wire_format`.
    """

    stream_mode: StreamMode | Sequence[StreamMode]
    subgraphs: bool
    config: RunnableConfig | None
    auth: Auth | None
    ownership: ThreadOwnership | None
    limits: Limits | None
    cancel_timeout: float
    run_retention: float
    broker: RedisBroker | None
    ping_interval: float
    flush_interval: float
    wire_format: WireFormat | None


_STREAMING = ("ping_interval", "flush_interval")
_PROTOCOL = ("wire_format",)


@dataclass(frozen=True)
class Mounted:
    """A protocol mounted on a service: what an adapter renders."""

    service: GraphService
    protocol: WireProtocol
    endpoints: list[Endpoint]


def mount(
    target: GraphService | Pregel[Any, Any, Any, Any],
    protocol: str | WireProtocol,
    options: MountOptions,
) -> Mounted:
    """The service (`target`, or one made for the graph `target` from `options`)
    and the endpoint table of `protocol` on it.

    Raises:
        TypeError: service options given with a service (give them to it instead).
        ValueError: an unknown protocol name.
    """
    rest: dict[str, Any] = dict(options)
    streaming = {key: rest.pop(key) for key in _STREAMING if key in rest}
    protocol_options = {key: rest.pop(key) for key in _PROTOCOL if key in rest}
    if isinstance(target, GraphService):
        if rest:
            raise TypeError(f"Options {sorted(rest)} go to the GraphService itself")
        service = target
    else:
        service = GraphService(target, **rest)
    chosen = resolve_protocol(protocol, **protocol_options)
    streams = RunStreams(service, **streaming)
    return Mounted(service, chosen, chosen.endpoints(streams))

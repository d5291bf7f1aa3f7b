"""Wire protocols: each a request mapping, an encoder and an endpoint table.

`protocol=` on every adapter takes a protocol object
([WireProtocol][langgraph_sse.protocols.base.WireProtocol]) or the name of a
built-in one, resolved by [resolve_protocol][langgraph_sse.protocols.resolve_protocol].
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from langgraph_sse.protocols.base import WireProtocol
from langgraph_sse.protocols.langgraph import LangGraphProtocol
from langgraph_sse.protocols.native import NativeProtocol

__all__ = ["PROTOCOLS", "LangGraphProtocol", "NativeProtocol", "WireProtocol", "resolve_protocol"]

PROTOCOLS: dict[str, str] = {
    "native": "langgraph_sse.protocols.native:NativeProtocol",
    "langgraph": "langgraph_sse.protocols.langgraph:LangGraphProtocol",
    "ag-ui": "langgraph_sse.protocols.agui:AGUIProtocol",
    "ai-sdk": "langgraph_sse.protocols.aisdk:AISDKProtocol",
}
"""The built-in protocols by name, as `module:class`: a protocol whose models
come from an extra (AG-UI's from `ag-ui-protocol`) is imported only when named."""


def resolve_protocol(protocol: str | WireProtocol, **options: Any) -> WireProtocol:
    """The protocol `protocol` names (made with `options`), or `protocol` itself.

    Raises:
        ValueError: an unknown name.
        TypeError: options given with a protocol object (give them to it instead).
    """
    if not isinstance(protocol, str):
        if options:
            raise TypeError(f"Options {sorted(options)} go to the protocol object itself")
        return protocol
    try:
        target = PROTOCOLS[protocol]
    except KeyError:
        known = ", ".join(sorted(PROTOCOLS))
        raise ValueError(f"Unknown protocol {protocol!r}; expected one of {known}") from None
    module, _, attribute = target.partition(":")
    factory = getattr(import_module(module), attribute)
    made: WireProtocol = factory(**options)
    return made

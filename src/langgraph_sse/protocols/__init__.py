"""Wire protocols: each a request mapping, an encoder and an endpoint table.

`protocol=` on every adapter takes a protocol object
([WireProtocol][langgraph_sse.protocols.base.WireProtocol]) or the name of a
built-in one, resolved by [resolve_protocol][langgraph_sse.protocols.resolve_protocol].
"""

from __future__ import annotations

from typing import Any

from langgraph_sse.protocols.base import WireProtocol
from langgraph_sse.protocols.langgraph import LangGraphProtocol
from langgraph_sse.protocols.native import NativeProtocol

__all__ = ["PROTOCOLS", "LangGraphProtocol", "NativeProtocol", "WireProtocol", "resolve_protocol"]

PROTOCOLS: dict[str, type[Any]] = {"native": NativeProtocol, "langgraph": LangGraphProtocol}
"""The built-in protocols by name."""


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
        factory = PROTOCOLS[protocol]
    except KeyError:
        known = ", ".join(sorted(PROTOCOLS))
        raise ValueError(f"Unknown protocol {protocol!r}; expected one of {known}") from None
    made: WireProtocol = factory(**options)
    return made

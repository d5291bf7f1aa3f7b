"""What the service refuses, as exceptions that name no HTTP status.

[GraphService][langgraph_sse.core.service.GraphService] raises these; one module,
[langgraph_sse.http.errors][], gives each its HTTP status. Every one is a
[ServiceError][langgraph_sse.core.errors.ServiceError].
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S")

__all__ = [
    "Conflict",
    "InvalidField",
    "NotFound",
    "ServiceError",
    "TooManyStreams",
    "Unavailable",
    "unavailable_when",
]


class ServiceError(Exception):
    """Something the service will not do; `str(error)` says why, for the client."""


class NotFound(ServiceError):
    """No such thread or run, or not the caller's: the two look the same (404)."""


class Conflict(ServiceError):
    """The thread is not in a state to do this: nothing to resume, no
    checkpointer, a run in another wire format, or a run already active on it
    ([ThreadBusyError][langgraph_sse.core.manager.ThreadBusyError]) (409)."""


class InvalidField(ServiceError):
    """A field of the request is not allowed or not usable (422).

    Args:
        loc: Where the field is in its part of the request, e.g. `("stream_mode", 0)`.
        msg: What is wrong with it.
        type: A short machine-readable kind, e.g. `"value_error"`.
    """

    where: str | None = None
    """The part of the request: `"body"`, `"query"`, `"header"`... None lets the
    HTTP layer say (the endpoint's body, else its query)."""

    def __init__(self, loc: tuple[str | int, ...], msg: str, type: str = "value_error") -> None:
        super().__init__(msg)
        self.loc = loc
        self.type = type

    def at(self, where: str) -> InvalidField:
        """This error, in the `where` part of the request."""
        self.where = where
        return self

    @property
    def msg(self) -> str:
        """What is wrong with the field."""
        return str(self)


class TooManyStreams(ServiceError):
    """The principal has as many streams open, or runs going, as the limits allow (429)."""

    def __init__(self, cap: int, what: str = "open streams") -> None:
        super().__init__(f"Too many {what} (at most {cap} at once)")
        self.cap = cap


class Unavailable(ServiceError):
    """A service the run logic needs (Redis) cannot be reached right now (503)."""


Method = Callable[Concatenate[S, P], Coroutine[Any, Any, T]]


def unavailable_when(
    down: Callable[[Any], tuple[type[BaseException], ...]], message: str
) -> Callable[[Method[S, P, T]], Method[S, P, T]]:
    """A decorator for methods that reach a service (Redis, a database): what
    `down(self)` names, the service's "cannot be reached" errors, become
    [Unavailable][langgraph_sse.core.errors.Unavailable] with `message`."""

    def decorate(method: Method[S, P, T]) -> Method[S, P, T]:
        @functools.wraps(method)
        async def call(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await method(self, *args, **kwargs)
            except down(self) as exc:
                raise Unavailable(message) from exc

        return cast(Method[S, P, T], call)

    return decorate

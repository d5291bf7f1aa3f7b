"""Errors as HTTP responses: the one place a refusal gets its status.

Every refusal becomes a JSON `{"detail": ...}` response: the service's domain
errors ([langgraph_sse.core.errors][]) and the auth's
[AuthError][langgraph_sse.security.auth.AuthError] by
[error_response][langgraph_sse.http.errors.error_response], and errors of the HTTP
layer itself (a body too large, a query that does not parse) as
[HTTPError][langgraph_sse.http.errors.HTTPError].

| refusal | status |
| --- | --- |
| `AuthError` | its `status_code` (401 by default, with `WWW-Authenticate`) |
| `NotFound` | 404 |
| `Conflict`, `ThreadBusyError` | 409 |
| `InvalidField`, a pydantic `ValidationError` | 422, `detail` a list of `{type, loc, msg}` |
| `TooManyStreams` | 429, with `Retry-After` |
| `Unavailable` | 503, with `Retry-After` |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from langgraph_sse.core import errors as refusals
from langgraph_sse.http.responses import JSONResponse
from langgraph_sse.security.auth import AuthError

__all__ = [
    "MAX_FIELD_ERRORS",
    "ErrorResponse",
    "HTTPError",
    "as_http_error",
    "error_response",
    "field_errors",
    "invalid_as_422",
]


class ErrorResponse(BaseModel):
    """Body of an error response: a message, or a list of field errors (422)."""

    detail: Any


class HTTPError(HTTPException):
    """A request that cannot be served; becomes a JSON `{"detail": ...}` response.

    It is a Starlette `HTTPException`, so FastAPI answers it the same way when it
    is raised where FastAPI handles the request (e.g. while reading the body).

    Args:
        status_code: The HTTP status, e.g. 413.
        detail: A message, or a list of field errors (422).
        headers: Extra response headers, e.g. `Retry-After`.
    """

    def __init__(
        self, status_code: int, detail: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status_code, detail, dict(headers or {}))

    def response(self) -> JSONResponse:
        """The JSON error response."""
        return JSONResponse(
            {"detail": self.detail}, status_code=self.status_code, headers=self.headers
        )

    @classmethod
    def from_validation(cls, exc: ValidationError, *where: str) -> HTTPError:
        """A 422 naming each invalid field, shaped like FastAPI's validation errors.

        `where` prefixes each error's `loc` (e.g. `"body"` or `"query"`).
        """
        return cls(422, field_errors(exc.errors(include_url=False), where))

    @classmethod
    def field(cls, loc: list[str | int], msg: str, type: str = "value_error") -> HTTPError:
        """A 422 for one field, shaped like a validation error."""
        return cls(422, [{"type": type, "loc": loc, "msg": msg}])


MAX_FIELD_ERRORS = 20
"""How many invalid fields a 422 names at most: an error body stays small
whatever the request (the rest are summed up in one last entry)."""


def field_errors(errors: Sequence[Mapping[str, Any]], where: Sequence[str] = ()) -> list[Any]:
    """Validation errors as `{type, loc, msg}`, `where` in front of each `loc`,
    without the invalid input they may carry, at most
    [MAX_FIELD_ERRORS][langgraph_sse.http.errors.MAX_FIELD_ERRORS] of them."""
    shown = [
        {"type": e["type"], "loc": [*where, *e["loc"]], "msg": str(e["msg"])[:500]}
        for e in errors[:MAX_FIELD_ERRORS]
    ]
    if len(errors) > MAX_FIELD_ERRORS:
        more = len(errors) - MAX_FIELD_ERRORS
        where_all = shown[0]["loc"][:1]  # "body", "query"...
        shown.append({"type": "too_many_errors", "loc": where_all, "msg": f"{more} more"})
    return shown


def error_response(exc: Exception, where: str = "body") -> JSONResponse | None:
    """The response refusing a request with `exc`, or None if `exc` is no refusal
    (a bug, to be raised).

    Args:
        where: The part of the request an `InvalidField` that does not say is in.
    """
    error = as_http_error(exc, where)
    return None if error is None else error.response()


def as_http_error(exc: Exception, where: str = "body") -> HTTPError | None:
    """`exc` as the [HTTPError][langgraph_sse.http.errors.HTTPError] refusing the
    request (see the table above), or None if it is no refusal."""
    if isinstance(exc, HTTPError):
        return exc
    if isinstance(exc, AuthError):
        challenge = exc.challenge or 'Bearer realm="langgraph-sse"'
        headers = {"WWW-Authenticate": challenge} if exc.status_code == 401 else None
        return HTTPError(exc.status_code, exc.detail, headers)
    if isinstance(exc, refusals.InvalidField):
        return HTTPError.field([exc.where or where, *exc.loc], exc.msg, exc.type)
    if isinstance(exc, refusals.ServiceError):
        status = next((code for kind, code in _STATUSES if isinstance(exc, kind)), 400)
        retry = {"Retry-After": "1"} if status in (429, 503) else None
        return HTTPError(status, str(exc), retry)
    return None


_STATUSES: tuple[tuple[type[refusals.ServiceError], int], ...] = (
    (refusals.NotFound, 404),
    (refusals.Conflict, 409),
    (refusals.TooManyStreams, 429),
    (refusals.Unavailable, 503),
)


@contextmanager
def invalid_as_422(*where: str) -> Iterator[None]:
    """Turn a pydantic `ValidationError` raised inside into a 422 [HTTPError][langgraph_sse.http.errors.HTTPError]."""
    try:
        yield
    except ValidationError as exc:
        raise HTTPError.from_validation(exc, *where) from None

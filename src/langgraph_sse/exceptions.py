"""Errors that become HTTP responses."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ParamSpec

from pydantic import ValidationError
from starlette.responses import Response

from langgraph_sse.responses import JSONResponse

__all__ = ["HTTPError", "answer_http_errors", "invalid_as_422"]

P = ParamSpec("P")


class HTTPError(Exception):
    """A request that cannot be served; becomes a JSON `{"detail": ...}` response.

    Args:
        status_code: The HTTP status, e.g. 404.
        detail: A message, or a list of field errors (422).
        headers: Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`.
    """

    def __init__(
        self, status_code: int, detail: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers or {})

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
        errors = [
            {"type": e["type"], "loc": [*where, *e["loc"]], "msg": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
        return cls(422, errors)

    @classmethod
    def field(cls, loc: list[str | int], msg: str, type: str = "value_error") -> HTTPError:
        """A 422 for one field, shaped like a validation error."""
        return cls(422, [{"type": type, "loc": loc, "msg": msg}])


@contextmanager
def invalid_as_422(*where: str) -> Iterator[None]:
    """Turn a pydantic `ValidationError` raised inside into a 422 [HTTPError][langgraph_sse.exceptions.HTTPError]."""
    try:
        yield
    except ValidationError as exc:
        raise HTTPError.from_validation(exc, *where) from None


def answer_http_errors(
    endpoint: Callable[P, Awaitable[Response]],
) -> Callable[P, Awaitable[Response]]:
    """Wrap an endpoint so that an [HTTPError][langgraph_sse.exceptions.HTTPError] it
    raises becomes its JSON error response. The wrapper keeps the endpoint's
    signature (FastAPI reads it)."""

    @functools.wraps(endpoint)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return await endpoint(*args, **kwargs)
        except HTTPError as exc:
            return exc.response()

    return wrapper

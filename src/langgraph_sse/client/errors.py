"""What the client raises: the server's refusals, and streams beyond repair.

```text
ClientError
├── APIError                    the server answered an error status, with its `detail`
│   ├── AuthenticationError     401
│   ├── PermissionDeniedError   403
│   ├── NotFoundError           404
│   ├── ConflictError           409
│   ├── PayloadTooLargeError    413
│   ├── InvalidRequestError     422 (`errors` lists the invalid fields)
│   ├── RateLimitError          429 (`retry_after`)
│   └── ServerError             5xx
└── StreamError                 a stream broke and could not be resumed
```

Calls that are no stream (`invoke`, `state`, ...) let httpx's own transport
errors (`httpx.ConnectError`, `httpx.ReadTimeout`, ...) through.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIError",
    "AuthenticationError",
    "ClientError",
    "ConflictError",
    "InvalidRequestError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "StreamError",
]


class ClientError(Exception):
    """Anything the langgraph-sse client raises of its own."""


class APIError(ClientError):
    """The server refused the request: an error status and its JSON `detail`.

    Args:
        status_code: The HTTP status, e.g. 404.
        detail: The `detail` of the server's `{"detail": ...}` body: a message, or
            for a 422 a list of `{type, loc, msg}` errors; the body's text when it
            is not that JSON.
        response: The response, its body read.
    """

    def __init__(self, status_code: int, detail: Any, response: httpx.Response | None = None):
        self.status_code = status_code
        self.detail = detail
        self.response = response
        super().__init__(f"{status_code}: {describe(detail)}")


class AuthenticationError(APIError):
    """401: missing or invalid credentials."""


class PermissionDeniedError(APIError):
    """403: the credentials may not do this."""


class NotFoundError(APIError):
    """404: no such thread or run (or not yours, or a run finished too long ago)."""


class ConflictError(APIError):
    """409: the thread is busy, has nothing to resume, or the graph keeps no state."""


class PayloadTooLargeError(APIError):
    """413: the request body is over the server's limit."""


class InvalidRequestError(APIError):
    """422: an invalid body, query or path; `errors` names each invalid field."""

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The server's `{type, loc, msg}` errors (empty if `detail` is a message)."""
        if isinstance(self.detail, list):
            return [e for e in self.detail if isinstance(e, dict)]
        return []


class RateLimitError(APIError):
    """429: too many open streams or runs; try again after `retry_after` seconds."""

    @property
    def retry_after(self) -> float | None:
        """The `Retry-After` the server sent, in seconds."""
        return retry_after(self.response)


class ServerError(APIError):
    """5xx: the server failed, or is unavailable for now (503)."""


class StreamError(ClientError):
    """A stream broke and could not be resumed: the connection was lost before the
    run's id was known, the reconnects ran out, or the run ended without `done`.

    Args:
        message: What happened.
        run_id: The run, if known: `join_run(run_id, last_event_id=...)` may
            still read the rest later.
        last_event_id: The `seq` of the last event yielded, if any.
    """

    def __init__(self, message: str, *, run_id: str | None, last_event_id: int | None):
        self.run_id = run_id
        self.last_event_id = last_event_id
        super().__init__(message)


_BY_STATUS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: InvalidRequestError,
    429: RateLimitError,
}


def api_error(response: httpx.Response) -> APIError:
    """The error for `response` (its body read), of the class its status names."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body["detail"] if isinstance(body, dict) and "detail" in body else response.text
    status = response.status_code
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else APIError)
    return kind(status, detail, response)


def describe(detail: Any) -> str:
    """`detail` on one line: a message as it is, each 422 error as `loc: msg`."""
    if isinstance(detail, list):
        parts = []
        for error in detail:
            if isinstance(error, dict) and "msg" in error:
                loc = ".".join(str(part) for part in error.get("loc", ()))
                parts.append(f"{loc}: {error['msg']}" if loc else str(error["msg"]))
            else:
                parts.append(str(error))
        return "; ".join(parts)
    return str(detail)


def retry_after(response: httpx.Response | None) -> float | None:
    """`response`'s `Retry-After` in seconds, if it sent one in seconds."""
    value = None if response is None else response.headers.get("retry-after")
    try:
        return None if value is None else max(0.0, float(value))
    except ValueError:
        return None

"""Reading requests: bodies (within a size limit), query strings, and the limits
a parsed request must respect. Every failure is an [HTTPError][langgraph_sse.exceptions.HTTPError]
naming the field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from starlette.requests import Request

from langgraph_sse.exceptions import HTTPError, invalid_as_422
from langgraph_sse.limits import NEVER_CONFIGURABLE, Limits
from langgraph_sse.schemas import HistoryQuery, RunRequest, StreamRequest, ThreadId

__all__ = [
    "check_limits",
    "check_thread_id",
    "read_body",
    "read_history_query",
    "read_stream_query",
    "too_large",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

_THREAD_ID: TypeAdapter[str] = TypeAdapter(ThreadId)


def too_large(max_bytes: int) -> HTTPError:
    """The 413 for a body over `max_bytes`."""
    return HTTPError(413, f"Request body larger than {max_bytes} bytes")


async def read_body(request: Request, model: type[ModelT], max_bytes: int) -> ModelT:
    """Validate the request's JSON body as `model`, reading at most `max_bytes`.

    Raises:
        HTTPError: 413 for a larger body (announced or sent), 422 naming each
            invalid field (or the JSON error).
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_large(max_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise too_large(max_bytes)
    with invalid_as_422("body"):
        return model.model_validate_json(body)


def read_stream_query(query: Mapping[str, Any]) -> StreamRequest:
    """Build a [StreamRequest][langgraph_sse.schemas.StreamRequest] from `GET /stream` query parameters.

    `input` and `command` are JSON text; `stream_mode` may repeat or be
    comma-separated; `subgraphs` is `true`/`false` (or `1`/`0`). Unknown
    parameters are ignored (browsers, proxies and auth add their own).

    Raises:
        HTTPError: 422 naming each invalid parameter.
    """
    data: dict[str, Any] = {}
    for name in ("thread_id", "message"):
        if name in query:
            data[name] = query[name]
    for name in ("input", "command"):
        if name in query:
            try:
                # The standard library keeps integers exact (orjson turns big ones
                # into floats), so the 64-bit check sees them.
                data[name] = json.loads(query[name])
            except json.JSONDecodeError as exc:
                raise HTTPError.field(
                    ["query", name], f"Invalid JSON: {exc}", "json_invalid"
                ) from None
    modes = _get_list(query, "stream_mode")
    if modes:
        data["stream_mode"] = [m.strip() for value in modes for m in value.split(",") if m.strip()]
    if "subgraphs" in query:
        flag = query["subgraphs"].lower()
        data["subgraphs"] = {"true": True, "1": True, "false": False, "0": False}.get(flag, flag)
    with invalid_as_422("query"):
        return StreamRequest.model_validate(data)


def read_history_query(query: Mapping[str, Any]) -> HistoryQuery:
    """Validate `GET /threads/{id}/history` query parameters.

    Raises:
        HTTPError: 422 naming each invalid parameter.
    """
    with invalid_as_422("query"):
        return HistoryQuery.model_validate({k: query[k] for k in ("limit", "before") if k in query})


def check_thread_id(thread_id: str) -> None:
    """Validate a thread id taken from a path.

    Raises:
        HTTPError: 422 naming `thread_id`.
    """
    with invalid_as_422("path", "thread_id"):
        _THREAD_ID.validate_python(thread_id)


def check_limits(body: RunRequest, limits: Limits, where: str = "body") -> None:
    """Check a parsed run request against `limits`.

    Raises:
        HTTPError: 422 naming the field over a limit or not allowed.
    """
    if body.message is not None and len(body.message) > limits.max_message_chars:
        raise HTTPError.field(
            [where, "message"],
            f"String should have at most {limits.max_message_chars} characters",
            "string_too_long",
        )
    if isinstance(body, StreamRequest) and body.stream_mode is not None:
        for i, mode in enumerate(body.stream_mode):
            if mode not in limits.stream_modes:
                allowed = ", ".join(sorted(limits.stream_modes))
                raise HTTPError.field(
                    [where, "stream_mode", i],
                    f"Stream mode {mode!r} is not allowed here (allowed: {allowed})",
                )
    if body.config is None:
        return
    for key in body.config.model_fields_set:
        if key not in limits.config_keys and not (
            key == "configurable" and limits.configurable_keys
        ):
            raise HTTPError.field(
                [where, "config", key], f"Clients may not set config {key!r} on this server"
            )
    for key in body.config.configurable or {}:
        if key in NEVER_CONFIGURABLE or key.startswith("__") or key not in limits.configurable_keys:
            raise HTTPError.field(
                [where, "config", "configurable", key],
                f"Clients may not set configurable {key!r} on this server",
            )


def _get_list(query: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(query, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    value = query.get(name)
    return [] if value is None else [value]

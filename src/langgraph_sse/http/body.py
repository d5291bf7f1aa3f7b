"""Reading a request's parts into an endpoint's models: its body (within a size
cap), query string and path parameters. Every failure is an
[HTTPError][langgraph_sse.http.errors.HTTPError] naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel
from starlette.requests import Request
from starlette.types import Message

from langgraph_sse.http.errors import HTTPError, invalid_as_422

__all__ = ["capped", "read_body", "read_path", "read_query", "too_large"]

ModelT = TypeVar("ModelT", bound=BaseModel)


def too_large(max_bytes: int) -> HTTPError:
    """The 413 for a body over `max_bytes`."""
    return HTTPError(413, f"Request body larger than {max_bytes} bytes")


def capped(request: Request, max_bytes: int) -> Request:
    """`request` reading at most `max_bytes` of body: past that, announced in
    `Content-Length` or sent chunked, reading it raises the 413
    [too_large][langgraph_sse.http.body.too_large]. Every adapter reads bodies through it."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_large(max_bytes)
    receive = request.receive
    seen = 0

    async def capped_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise too_large(max_bytes)
        return message

    return Request(request.scope, capped_receive)


async def read_body(request: Request, model: type[ModelT], max_bytes: int) -> ModelT:
    """Validate the request's JSON body as `model`, reading at most `max_bytes`.

    Raises:
        HTTPError: 413 for a larger body (announced or sent), 422 naming each
            invalid field (or the JSON error).
    """
    body = await capped(request, max_bytes).body()
    with invalid_as_422("body"):
        return model.model_validate_json(body)


def read_query(query: Mapping[str, Any], model: type[ModelT]) -> ModelT:
    """Validate query parameters as `model`: a list field takes every value of a
    repeated parameter, any other field the last. Parameters the model does not
    name are ignored (browsers, proxies and auth add their own).

    Raises:
        HTTPError: 422 naming each invalid parameter.
    """
    data: dict[str, Any] = {}
    getlist = getattr(query, "getlist", None)
    for name, info in model.model_fields.items():
        if name not in query:
            continue
        if getlist is not None and _is_list(info.annotation):
            data[name] = list(getlist(name))
        else:
            data[name] = query[name]
    with invalid_as_422("query"):
        return model.model_validate(data)


def read_path(params: Mapping[str, Any], model: type[ModelT]) -> ModelT:
    """Validate path parameters as `model`.

    Raises:
        HTTPError: 422 naming each invalid parameter.
    """
    with invalid_as_422("path"):
        return model.model_validate(dict(params))


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in get_args(annotation))

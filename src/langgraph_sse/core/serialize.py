"""Turn anything a graph yields into JSON.

One function, [dumps][langgraph_sse.core.serialize.dumps], is used everywhere the library writes JSON: SSE event
payloads, thread state, invoke results. It is `orjson` with a `default` hook
that knows the types LangGraph states and stream parts carry:

* LangChain messages (and any pydantic model) become their field dicts, e.g.
  `{"type": "ai", "content": "...", "id": "...", "tool_calls": [...], ...}`;
* dataclasses, `datetime`/`date`/`time`, `UUID`, enums, tuples and
  `TypedDict` states are handled natively by orjson;
* `set`/`frozenset` become lists, `bytes` become base64 text,
  `Decimal` and paths become strings, exceptions become
  `{"error": <class name>, "message": <str>}`.

Anything else raises [SerializationError][langgraph_sse.core.serialize.SerializationError] naming the type, rather than
being silently cut to `str(value)[:200]`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePath
from typing import Any

import orjson
from pydantic import BaseModel

__all__ = ["SerializationError", "dumps", "json_default", "to_jsonable"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class SerializationError(TypeError):
    """A value could not be turned into JSON."""


def _model(obj: BaseModel) -> Any:
    # Python mode keeps nested values as they are; orjson calls back here for
    # any it cannot write itself. `model_dump` can still fail on a field whose
    # serializer raises; the error then names the model.
    return obj.model_dump()


def _bytes(obj: bytes | bytearray | memoryview) -> str:
    return base64.b64encode(bytes(obj)).decode("ascii")


def _exception(obj: BaseException) -> dict[str, str]:
    return {"error": type(obj).__name__, "message": str(obj)}


_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    set: list,
    frozenset: list,
    bytes: _bytes,
    bytearray: _bytes,
    memoryview: _bytes,
    Decimal: str,
}


def json_default(obj: Any) -> Any:
    """The `default` hook for `orjson.dumps`: one JSON-able value for `obj`.

    Raises:
        SerializationError: `obj` is of a type this library does not know.
    """
    convert = _BY_TYPE.get(type(obj))
    if convert is not None:
        return convert(obj)
    if isinstance(obj, BaseModel):
        return _model(obj)
    if isinstance(obj, set | frozenset):
        return list(obj)
    if isinstance(obj, bytes | bytearray | memoryview):
        return _bytes(obj)
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, BaseException):
        return _exception(obj)
    raise SerializationError(f"Object of type {type(obj).__qualname__} is not JSON serializable")


def dumps(obj: Any) -> bytes:
    """Encode `obj` as compact UTF-8 JSON on one line.

    The output never contains a raw newline or carriage return (they are escaped
    inside strings), so it can be written as a single SSE `data:` line.

    Raises:
        SerializationError: some value inside `obj` cannot be turned into JSON.
    """
    try:
        return orjson.dumps(obj, default=json_default, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:
        cause = exc.__cause__
        if isinstance(cause, SerializationError):
            raise SerializationError(str(cause)) from cause
        raise SerializationError(str(exc)) from exc


def to_jsonable(obj: Any) -> Any:
    """`obj` as plain JSON values (dicts, lists, str, numbers, bool, None)."""
    return orjson.loads(dumps(obj))

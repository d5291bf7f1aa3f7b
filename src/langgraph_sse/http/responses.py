"""JSON responses that can hold anything a graph state holds."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from langgraph_sse.core.serialize import dumps

__all__ = ["JSONResponse"]


class JSONResponse(Response):
    """A JSON response written with [dumps][langgraph_sse.core.serialize.dumps].

    Unlike Starlette's, it writes LangChain messages, pydantic models, dataclasses,
    datetimes and the rest of what a graph state holds.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)

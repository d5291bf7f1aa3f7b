"""Everything a graph yields becomes JSON, or a clear SerializationError."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import uuid
from decimal import Decimal
from pathlib import PurePosixPath

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from pydantic import BaseModel

from langgraph_sse import SerializationError, dumps, to_jsonable


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Doc(BaseModel):
    title: str
    tags: set[str]


def test_langchain_messages_become_dicts_with_their_fields() -> None:
    ai = AIMessage(
        content="Let me check.",
        id="ai-1",
        tool_calls=[{"id": "call-1", "name": "weather", "args": {"city": "Paris"}}],
    )
    out = to_jsonable(
        {"messages": [HumanMessage("hi", id="h-1"), ai, ToolMessage("72F", tool_call_id="call-1")]}
    )
    human, ai_out, tool = out["messages"]
    assert human["type"] == "human" and human["content"] == "hi" and human["id"] == "h-1"
    assert ai_out["type"] == "ai" and ai_out["content"] == "Let me check."
    assert ai_out["tool_calls"] == [
        {"id": "call-1", "name": "weather", "args": {"city": "Paris"}, "type": "tool_call"}
    ]
    assert tool["type"] == "tool" and tool["tool_call_id"] == "call-1"
    # Every field, unset ones too, as a client reading the message's schema expects.
    assert set(ai_out) == set(type(ai).model_fields)
    assert human["name"] is None and ai_out["usage_metadata"] is None


def test_long_state_is_not_truncated() -> None:
    long = "x" * 10_000
    assert to_jsonable({"messages": [AIMessage(long)]})["messages"][0]["content"] == long


def test_chunks_and_content_blocks() -> None:
    chunk = AIMessageChunk(content=[{"type": "text", "text": "Hel", "index": 0}], id="m")
    assert to_jsonable(chunk)["content"] == [{"type": "text", "text": "Hel", "index": 0}]


def test_common_python_types() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    out = to_jsonable(
        {
            "when": when,
            "day": dt.date(2026, 1, 2),
            "id": ident,
            "tags": {"a"},
            "frozen": frozenset({1}),
            "raw": b"\x00\xffhi",
            "price": Decimal("1.10"),
            "path": PurePosixPath("/tmp/x"),
            "color": Color.RED,
            "point": Point(1, 2),
            "doc": Doc(title="t", tags={"z"}),
            "pair": (1, 2),
            1: "int key",
            "error": ValueError("bad value"),
        }
    )
    assert out["when"] == "2026-01-02T03:04:05+00:00"
    assert out["day"] == "2026-01-02"
    assert out["id"] == str(ident)
    assert out["tags"] == ["a"] and out["frozen"] == [1]
    assert out["raw"] == "AP9oaQ=="  # base64
    assert out["price"] == "1.10"
    assert out["path"] == "/tmp/x"
    assert out["color"] == "red"
    assert out["point"] == {"x": 1, "y": 2}
    assert out["doc"] == {"title": "t", "tags": ["z"]}
    assert out["pair"] == [1, 2]
    assert out["1"] == "int key"
    assert out["error"] == {"error": "ValueError", "message": "bad value"}


def test_output_is_one_line_even_with_newlines_in_strings() -> None:
    raw = dumps({"text": "a\nb\r\nc\rd", "nested": [{"x": "\n"}]})
    assert b"\n" not in raw and b"\r" not in raw
    assert json.loads(raw)["text"] == "a\nb\r\nc\rd"


def test_unknown_objects_raise_a_clear_error() -> None:
    class Opaque:
        pass

    with pytest.raises(SerializationError, match="Opaque"):
        dumps({"state": [Opaque()]})

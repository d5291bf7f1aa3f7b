"""Property tests: whatever a run carries survives encoder -> bytes -> httpx-sse parser.

The bytes are cut at arbitrary points before parsing, as a network (or a client
reading a ReadableStream) cuts them: no frame may be lost or changed when it
straddles two reads.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from httpx_sse import EventSource, ServerSentEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from langgraph_sse import (
    CustomEvent,
    SerializationError,
    TokenEvent,
    dumps,
    encode_event,
    format_frame,
)

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
TRICKY_TEXT = st.text() | st.sampled_from(
    [
        "",
        "\n",
        "\r",
        "\r\n",
        "data: x",
        "\n\ndata: injected\n\n",
        "id: 9\nevent: done",
        ":comment",
        "é😀",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | INT64
    | st.floats(allow_nan=False, allow_infinity=False)
    | TRICKY_TEXT,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(TRICKY_TEXT, children, max_size=5)
    ),
    max_leaves=20,
)


class _Chunks(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def cut(data: bytes, points: list[int]) -> list[bytes]:
    """``data`` split at the given offsets (taken modulo its length)."""
    offsets = sorted({p % (len(data) + 1) for p in points})
    bounds = [0, *offsets, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


async def parse(chunks: list[bytes]) -> list[ServerSentEvent]:
    response = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, stream=_Chunks(chunks)
    )
    return [sse async for sse in EventSource(response).aiter_sse()]


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(JSON_VALUES, min_size=1, max_size=8), points=st.lists(st.integers(0, 10_000))
)
async def test_json_payloads_survive_encoding_and_any_cut(
    values: list[Any], points: list[int]
) -> None:
    events = [CustomEvent(seq=i, data=value) for i, value in enumerate(values)]
    wire = b"".join(encode_event(e) for e in events)
    parsed = await parse(cut(wire, points))
    assert [(s.event, s.id) for s in parsed] == [("custom", str(e.seq)) for e in events]
    assert [json.loads(s.data)["data"] for s in parsed] == values


@settings(max_examples=300, deadline=None)
@given(text=TRICKY_TEXT, points=st.lists(st.integers(0, 1000), max_size=5))
async def test_token_text_survives(text: str, points: list[int]) -> None:
    event = TokenEvent(seq=3, text=text, node="agent", message_id="m")
    (sse,) = await parse(cut(encode_event(event), points))
    assert sse.event == "token" and sse.id == "3"
    assert json.loads(sse.data) == {
        "type": "token",
        "seq": 3,
        "ns": [],
        "text": text,
        "node": "agent",
        "message_id": "m",
    }


@settings(max_examples=300, deadline=None)
@given(text=st.text(), points=st.lists(st.integers(0, 1000), max_size=5))
async def test_raw_frames_with_line_breaks_parse_back(text: str, points: list[int]) -> None:
    # Data that is not one-line JSON is split into several data: lines; the
    # parser joins them with "\n", so every kind of line break reads as "\n".
    frame = format_frame(text.encode(), event="note", id=7)
    (sse,) = await parse(cut(frame, points))
    assert (sse.event, sse.id) == ("note", "7")
    assert sse.data == text.replace("\r\n", "\n").replace("\r", "\n")


@given(value=JSON_VALUES)
def test_encoded_json_is_one_line_and_parses_back(value: Any) -> None:
    raw = dumps(value)
    assert b"\n" not in raw and b"\r" not in raw
    assert orjson.loads(raw) == value


def test_integers_beyond_64_bits_raise_a_clear_error() -> None:
    # orjson writes 64-bit integers only; JavaScript could not read more anyway.
    with pytest.raises(SerializationError):
        dumps({"n": 2**64})

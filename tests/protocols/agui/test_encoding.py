"""The AG-UI encoder alone: any text survives its frames, and frames never break."""

from __future__ import annotations

import json

from ag_ui.core import Event
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from langgraph_sse.core.events import (
    CustomEvent,
    DoneEvent,
    ErrorEvent,
    MetadataEvent,
    NodeEndEvent,
    NodeStartEvent,
    ReasoningEvent,
    TokenEvent,
    ToolCallChunkEvent,
)
from langgraph_sse.protocols.agui.encoding import AGUIFormat
from tests.protocols.agui.conftest import check_stream

EVENTS: TypeAdapter[object] = TypeAdapter(Event)


def frames(data: bytes) -> list[dict[str, object]]:
    """Split as `@ag-ui/client` does (on blank lines, then `data:` lines)."""
    assert data.endswith(b"\n\n")
    parsed = []
    for frame in data.decode().split("\n\n")[:-1]:
        lines = frame.split("\n")
        assert len(lines) == 1 and lines[0].startswith("data: "), frame
        parsed.append(json.loads(lines[0][6:]))
    return parsed


texts = st.text(min_size=1)


@settings(max_examples=200, deadline=None)
@given(
    thread_id=texts,
    tokens=st.lists(texts, min_size=1, max_size=5),
    thinking=st.lists(texts, max_size=3),
    args=st.lists(texts, max_size=3),
    custom=st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    ),
    error=st.none() | texts,
)
def test_any_text_round_trips(
    thread_id: str,
    tokens: list[str],
    thinking: list[str],
    args: list[str],
    custom: object,
    error: str | None,
) -> None:
    encode = AGUIFormat(thread_id, "run\r\n1").encoder()
    seq = iter(range(1000))
    node = "agent\u2028\r"
    events: list[object] = [
        MetadataEvent(seq=next(seq), run_id="x", thread_id=thread_id),
        NodeStartEvent(seq=next(seq), node=node, task_id="t1"),
        *(ReasoningEvent(seq=next(seq), text=t, node=node, message_id="m\n1") for t in thinking),
        *(TokenEvent(seq=next(seq), text=t, node=node, message_id="m\n1") for t in tokens),
        ToolCallChunkEvent(
            seq=next(seq), id="c\r1", name="f\n", index=0, node=node, message_id="m\n1"
        ),
        *(
            ToolCallChunkEvent(seq=next(seq), args=a, index=0, node=node, message_id="m\n1")
            for a in args
        ),
        CustomEvent(seq=next(seq), data=custom),
    ]
    if error is None:
        events += [NodeEndEvent(seq=next(seq), node=node, task_id="t1"), DoneEvent(seq=next(seq))]
    else:
        events += [
            ErrorEvent(seq=next(seq), error="E", message=error),
            DoneEvent(seq=next(seq), status="error"),
        ]
    data = b"".join(encode(event) for event in events)  # type: ignore[arg-type]
    assert b"\r" not in data
    parsed = frames(data)
    check_stream(parsed)
    for event in parsed:
        EVENTS.validate_python(event)
    assert parsed[0]["threadId"] == thread_id
    deltas = {
        kind: "".join(str(e["delta"]) for e in parsed if e["type"] == kind)
        for kind in ("TEXT_MESSAGE_CONTENT", "REASONING_MESSAGE_CONTENT", "TOOL_CALL_ARGS")
    }
    assert deltas == {
        "TEXT_MESSAGE_CONTENT": "".join(tokens),
        "REASONING_MESSAGE_CONTENT": "".join(thinking),
        "TOOL_CALL_ARGS": "".join(args),
    }
    (custom_event,) = [e for e in parsed if e["type"] == "CUSTOM"]
    if not (
        isinstance(custom, dict)
        and set(custom) == {"name", "value"}
        and isinstance(custom["name"], str)
    ):
        assert custom_event == {"type": "CUSTOM", "name": "custom", "value": custom}
    if error is not None:
        assert parsed[-1] == {"type": "RUN_ERROR", "message": error, "code": "E"}


def test_nothing_after_the_end() -> None:
    encode = AGUIFormat("t", "r").encoder()
    encode(MetadataEvent(seq=0, run_id="x"))
    assert encode(ErrorEvent(seq=1, error="E", message="m")).count(b"RUN_ERROR") == 1
    assert encode(DoneEvent(seq=2, status="error")) == b""
    assert encode(TokenEvent(seq=3, text="late")) == b""


async def test_a_three_token_reply_is_small() -> None:
    from tests.protocols.agui.size import measure

    body = await measure()
    events = frames(body)
    check_stream(events)
    assert [e["delta"] for e in events if e["type"] == "TEXT_MESSAGE_CONTENT"] == [
        "Hello",
        " there",
        " friend",
    ]
    assert len(body) < 1000, len(body)  # ag-ui-langgraph 0.0.47: 14,760 bytes

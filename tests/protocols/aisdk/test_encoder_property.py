"""The encoder, for any sequence of run events: a well-formed UI message stream
(every part valid JSON on one `data:` line, every start ended, `finish` or
`error` last, then `[DONE]`), and no text or tool input lost or reordered."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, ToolMessage

from langgraph_sse.core import events as ev
from langgraph_sse.core.serialize import SerializationError
from langgraph_sse.protocols.aisdk.encoding import AISDKFormat
from tests.protocols.aisdk.conftest import check_order, parse_stream

_text = st.text(min_size=1, max_size=8)
_message = st.sampled_from(["m1", "m2", None])
_task = st.sampled_from(["t1", "t2"])


def _body() -> st.SearchStrategy[list[dict[str, Any]]]:
    """Events as plain specs (seq is numbered later)."""
    token = st.builds(lambda t, m: {"kind": "token", "text": t, "message_id": m}, _text, _message)
    reasoning = st.builds(
        lambda t, m: {"kind": "reasoning", "text": t, "message_id": m}, _text, _message
    )
    chunk = st.builds(
        lambda i, n, a, m: {"kind": "chunk", "index": i, "named": n, "args": a, "message_id": m},
        st.sampled_from([0, 1]),
        st.booleans(),
        st.sampled_from(["", '{"a"', ": 1}", "[", "x"]),
        _message,
    )
    custom = st.builds(
        lambda d: {"kind": "custom", "data": d},
        st.one_of(
            st.none(), st.integers(), st.fixed_dictionaries({"type": st.sampled_from(["p", ""])})
        ),
    )
    node = st.builds(lambda k, t: {"kind": k, "task": t}, st.sampled_from(["start", "end"]), _task)
    tool = st.builds(lambda c: {"kind": "tool", "call": c}, st.sampled_from(["call-a", "call-b"]))
    whole = st.builds(lambda t: {"kind": "whole", "text": t}, st.text(max_size=5))
    interrupt = st.builds(lambda i: {"kind": "interrupt", "id": i}, st.sampled_from(["i1", "i2"]))
    return st.lists(
        st.one_of(token, reasoning, chunk, custom, node, tool, whole, interrupt), max_size=30
    )


def _events(specs: list[dict[str, Any]], ending: str) -> list[Any]:
    events: list[Any] = [ev.MetadataEvent(seq=0, run_id="run")]
    for spec in specs:
        seq = len(events)
        kind = spec["kind"]
        if kind in ("token", "reasoning"):
            cls = ev.TokenEvent if kind == "token" else ev.ReasoningEvent
            events.append(cls(seq=seq, text=spec["text"], message_id=spec["message_id"]))
        elif kind == "chunk":
            events.append(
                ev.ToolCallChunkEvent(
                    seq=seq,
                    id=f"c{spec['index']}-{spec['message_id']}" if spec["named"] else None,
                    name="t" if spec["named"] else None,
                    args=spec["args"],
                    index=spec["index"],
                    message_id=spec["message_id"],
                )
            )
        elif kind == "custom":
            events.append(ev.CustomEvent(seq=seq, data=spec["data"]))
        elif kind == "start":
            events.append(ev.NodeStartEvent(seq=seq, node="n", task_id=spec["task"]))
        elif kind == "end":
            events.append(ev.NodeEndEvent(seq=seq, node="n", task_id=spec["task"]))
        elif kind == "tool":
            message = ToolMessage(content="out", tool_call_id=spec["call"])
            events.append(ev.MessageEvent(seq=seq, message=message))
        elif kind == "whole":
            events.append(ev.MessageEvent(seq=seq, message=AIMessage(content=spec["text"])))
        else:
            events.append(ev.InterruptEvent(seq=seq, id=spec["id"], value={"q": 1}))
    seq = len(events)
    if ending == "error":
        events.append(ev.ErrorEvent(seq=seq, error="ValueError", message="no"))
        events.append(ev.DoneEvent(seq=seq + 1, status="error"))
    else:
        events.append(ev.DoneEvent(seq=seq, status=ending))  # type: ignore[arg-type]
    return events


def run_log(events: list[Any]) -> tuple[bytes, bool]:
    """The frames a run logs, and whether an event could not be encoded: as `Run`
    does, that ends the log with an `error` and `done` from the same encoder."""
    encode = AISDKFormat().encoder()
    frames = []
    for event in events:
        try:
            frames.append(encode(event))
        except SerializationError as exc:
            frames.append(
                encode(ev.ErrorEvent(seq=event.seq, error="SerializationError", message=str(exc)))
            )
            frames.append(encode(ev.DoneEvent(seq=event.seq + 1, status="error")))
            return b"".join(frames), True
    return b"".join(frames), False


@settings(max_examples=300, deadline=None)
@given(_body(), st.sampled_from(["success", "interrupted", "cancelled", "error"]))
def test_any_run_is_a_well_formed_stream(specs: list[dict[str, Any]], ending: str) -> None:
    events = _events(specs, ending)
    raw, cut = run_log(events)
    parts = parse_stream(raw)
    check_order(parts)
    streamed = "".join(p["delta"] for p in parts if p["type"] == "text-delta")
    if cut:  # a payload that is no JSON: the stream ends there, with an error
        assert parts[-1]["type"] == "error"
        expected = "".join(spec["text"] for spec in specs if spec["kind"] in ("token", "whole"))
        assert expected.startswith(streamed)
        return
    last = {"success": "finish", "interrupted": "finish", "cancelled": "abort", "error": "error"}
    assert parts[-1]["type"] == last[ending]
    # No text lost or reordered: streamed tokens, then whole messages, in order.
    expected = "".join(spec["text"] for spec in specs if spec["kind"] in ("token", "whole"))
    assert "".join(p["delta"] for p in parts if p["type"] == "text-delta") == expected
    thought = "".join(spec["text"] for spec in specs if spec["kind"] == "reasoning")
    assert "".join(p["delta"] for p in parts if p["type"] == "reasoning-delta") == thought
    # Every tool input's text arrives whole.
    args = "".join(spec["args"] for spec in specs if spec["kind"] == "chunk")
    assert "".join(p["inputTextDelta"] for p in parts if p["type"] == "tool-input-delta") == args
    requests = [p for p in parts if p["type"] == "tool-approval-request"]
    assert len(requests) == sum(1 for spec in specs if spec["kind"] == "interrupt")

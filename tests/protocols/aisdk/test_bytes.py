"""What a short reply costs on the wire: a 3-token reply ("Hello", " there",
" friend") as the encoder writes it, every frame included."""

from __future__ import annotations

from langgraph_sse.core import events as ev
from langgraph_sse.protocols.aisdk.encoding import AISDKFormat
from tests.protocols.aisdk.conftest import check_order, parse_stream

RUN_ID = "37fff6b3-5c12-4a15-8e5f-47fa7fc283d3"
MESSAGE_ID = "lc_run--0199b1c4-7d5e-7a31-9f0e-3c1b2a4d5e6f"


def three_token_reply() -> bytes:
    events: list[ev.Event] = [
        ev.MetadataEvent(seq=0, run_id=RUN_ID, thread_id="c1"),
        ev.NodeStartEvent(seq=1, node="agent", task_id="t"),
    ]
    for seq, text in enumerate(("Hello", " there", " friend"), start=2):
        events.append(ev.TokenEvent(seq=seq, text=text, node="agent", message_id=MESSAGE_ID))
    events.append(ev.NodeEndEvent(seq=5, node="agent", task_id="t"))
    events.append(ev.DoneEvent(seq=6))
    encode = AISDKFormat().encoder()
    return b"".join(encode(event) for event in events)


def test_a_three_token_reply_is_434_bytes() -> None:
    raw = three_token_reply()
    parts = parse_stream(raw)
    check_order(parts)
    assert [p["type"] for p in parts] == [
        "start",
        "start-step",
        "text-start",
        "text-delta",
        "text-delta",
        "text-delta",
        "text-end",
        "finish-step",
        "finish",
    ]
    # 434 bytes in 10 frames; each text-delta frame 54-56 bytes: no LangChain
    # message id repeated per token (parts get short ids "0", "1"...).
    assert len(raw) == 434, len(raw)

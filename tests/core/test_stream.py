"""stream_events(): a compiled graph becomes typed events, in process."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk
from langgraph.types import Command

from langgraph_sse import (
    CheckpointEvent,
    CustomEvent,
    DoneEvent,
    ErrorEvent,
    Event,
    InterruptEvent,
    MessageEvent,
    MetadataEvent,
    NodeEndEvent,
    NodeStartEvent,
    ReasoningEvent,
    TokenEvent,
    ToolCallChunkEvent,
    UpdatesEvent,
    ValuesEvent,
    dumps,
    event_adapter,
    normalize_stream_mode,
    stream_events,
)
from tests import graphs

HI = {"messages": [{"role": "user", "content": "hi"}]}


async def run(graph: Any, input: Any = HI, thread: str = "t1", **kwargs: Any) -> list[Event]:
    config = {"configurable": {"thread_id": thread}}
    return [event async for event in stream_events(graph, input, config, **kwargs)]


def of(events: list[Event], cls: type) -> list[Any]:
    return [e for e in events if isinstance(e, cls)]


def assert_well_formed(events: list[Event], status: str = "success") -> None:
    assert isinstance(events[0], MetadataEvent)
    assert isinstance(events[-1], DoneEvent) and events[-1].status == status
    assert [e.seq for e in events] == list(range(len(events)))


async def test_messages_mode_streams_tokens_of_the_reply() -> None:
    events = await run(graphs.chat_graph("Hello there, world"), stream_mode="messages")
    assert_well_formed(events)
    tokens = of(events, TokenEvent)
    assert "".join(t.text for t in tokens) == "Hello there, world"
    assert len(tokens) > 3  # streamed, not one final blob
    assert {t.node for t in tokens} == {"agent"}
    assert len({t.message_id for t in tokens}) == 1 and tokens[0].message_id
    assert events[0].thread_id == "t1" and events[0].run_id


async def test_updates_mode_reports_each_node_write() -> None:
    events = await run(graphs.tool_graph(), stream_mode="updates")
    assert_well_formed(events)
    updates = of(events, UpdatesEvent)
    assert [u.node for u in updates] == ["agent", "tools"]
    assert updates[1].data["messages"][0].content == "72F and sunny"


async def test_values_mode_gives_the_full_state() -> None:
    events = await run(graphs.chat_graph("Sure."), stream_mode="values")
    values = of(events, ValuesEvent)
    assert [len(v.data["messages"]) for v in values] == [1, 2]
    assert values[-1].data["messages"][-1].content == "Sure."


async def test_custom_mode_gives_what_nodes_wrote() -> None:
    events = await run(graphs.progress_graph("ok"), stream_mode="custom")
    assert [e.data for e in of(events, CustomEvent)] == [
        {"event": "search_start", "query": "hi"},
        {"event": "search_done", "count": 3},
    ]
    assert not of(events, TokenEvent)


async def test_debug_mode_gives_node_lifecycle_and_checkpoints() -> None:
    events = await run(graphs.chat_graph("Done."), stream_mode="debug")
    assert_well_formed(events)
    starts, ends = of(events, NodeStartEvent), of(events, NodeEndEvent)
    assert [s.node for s in starts] == ["agent"] and [e.node for e in ends] == ["agent"]
    assert starts[0].task_id == ends[0].task_id and starts[0].step == 1
    assert ends[0].error is None
    assert ends[0].result["messages"][0].content == "Done."
    checkpoints = of(events, CheckpointEvent)
    assert len(checkpoints) >= 2 and all(c.checkpoint_id for c in checkpoints)
    assert checkpoints[-1].parent_checkpoint_id == checkpoints[-2].checkpoint_id
    assert checkpoints[-1].next == ()


async def test_tasks_and_checkpoints_modes_map_like_debug() -> None:
    events = await run(graphs.chat_graph("Done."), stream_mode=["tasks", "checkpoints"])
    assert [e.type for e in events if e.type in ("node_start", "node_end")] == [
        "node_start",
        "node_end",
    ]
    assert of(events, CheckpointEvent)


async def test_combined_modes_interleave_in_order() -> None:
    events = await run(
        graphs.progress_graph("fine thanks"), stream_mode=["messages", "custom", "updates"]
    )
    assert_well_formed(events)
    kinds = [e.type for e in events]
    assert kinds.index("custom") < kinds.index("token") < kinds.index("updates")
    assert "".join(t.text for t in of(events, TokenEvent)) == "fine thanks"


async def test_subgraph_events_carry_their_namespace() -> None:
    events = await run(
        graphs.subgraph_graph("deep answer"),
        stream_mode=["messages", "custom", "updates"],
        subgraphs=True,
    )
    assert_well_formed(events)
    tokens = of(events, TokenEvent)
    assert "".join(t.text for t in tokens) == "deep answer"
    assert len({t.ns for t in tokens}) == 1
    (ns,) = {t.ns for t in tokens}
    assert len(ns) == 1 and ns[0].startswith("research:")
    assert of(events, CustomEvent)[0].ns == ns
    nodes_by_ns = {(u.ns, u.node) for u in of(events, UpdatesEvent)}
    assert nodes_by_ns == {(ns, "inner"), ((), "research")}


async def test_without_subgraphs_only_the_root_is_streamed() -> None:
    events = await run(graphs.subgraph_graph("deep answer"), stream_mode=["custom", "updates"])
    assert all(e.ns == () for e in events)
    assert not of(events, CustomEvent)


async def test_tool_call_chunks_and_the_tool_message() -> None:
    events = await run(graphs.tool_graph(), stream_mode="messages")
    assert_well_formed(events)
    chunks = of(events, ToolCallChunkEvent)
    assert [(c.id, c.name, c.index) for c in chunks] == [("call-1", "weather", 0), (None, None, 0)]
    assert "".join(c.args for c in chunks) == '{"city": "Paris"}'
    assert {c.message_id for c in chunks} == {"msg-1"}
    (tool_message,) = of(events, MessageEvent)
    assert tool_message.message.content == "72F and sunny" and tool_message.node == "tools"


async def test_content_block_lists_split_into_tokens_reasoning_and_tool_chunks() -> None:
    chunks = [
        AIMessageChunk(
            content=[{"type": "thinking", "thinking": "Let me see", "index": 0}], id="m"
        ),
        AIMessageChunk(content=[{"type": "text", "text": "Hel", "index": 1}], id="m"),
        AIMessageChunk(content=[{"type": "text", "text": "lo", "index": 1}], id="m"),
        AIMessageChunk(
            content=[
                {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {}, "index": 2}
            ],
            id="m",
        ),
        AIMessageChunk(
            content=[{"type": "input_json_delta", "partial_json": '{"q": ', "index": 2}], id="m"
        ),
        AIMessageChunk(
            content=[{"type": "input_json_delta", "partial_json": '"x"}', "index": 2}], id="m"
        ),
        AIMessageChunk(content=[], id="m"),  # the empty closing chunk
        AIMessageChunk(content="", id="m"),
    ]
    events = await run(graphs.scripted_graph(chunks), stream_mode="messages")
    assert_well_formed(events)
    assert [e.type for e in events[1:-1]] == [
        "reasoning",
        "token",
        "token",
        "tool_call_chunk",
        "tool_call_chunk",
        "tool_call_chunk",
    ]
    assert of(events, ReasoningEvent)[0].text == "Let me see"
    assert "".join(t.text for t in of(events, TokenEvent)) == "Hello"
    tool = of(events, ToolCallChunkEvent)
    assert (tool[0].id, tool[0].name, tool[0].index) == ("toolu_1", "search", 2)
    assert "".join(t.args for t in tool) == '{"q": "x"}'


async def test_tool_call_chunks_field_wins_over_repeating_blocks() -> None:
    # Integrations that stream tool calls as content blocks also fill tool_call_chunks.
    chunk = AIMessageChunk(
        content=[
            {"type": "text", "text": "Checking", "index": 0},
            {"type": "input_json_delta", "partial_json": '{"a": 1}', "index": 1},
        ],
        tool_call_chunks=[{"id": None, "name": None, "args": '{"a": 1}', "index": 1}],
        id="m",
    )
    events = await run(graphs.scripted_graph([chunk]), stream_mode="messages")
    assert [e.type for e in events[1:-1]] == ["token", "tool_call_chunk"]
    assert_well_formed(events)


async def test_interrupt_then_resume_on_the_same_thread() -> None:
    graph = graphs.approval_graph()
    first = await run(graph, stream_mode="messages")
    assert_well_formed(first, status="interrupted")
    (interrupt,) = of(first, InterruptEvent)
    assert interrupt.value == {"question": "Send the email?"} and interrupt.id

    second = await run(graph, Command(resume="yes, send it"), stream_mode="messages")
    assert_well_formed(second)
    (reply,) = of(second, MessageEvent)
    assert reply.message.content == "human said: yes, send it"


async def test_interrupts_are_reported_whatever_the_modes() -> None:
    for mode in ("values", "custom", "debug", ["updates", "values"]):
        events = await run(graphs.approval_graph(), stream_mode=mode)
        assert len(of(events, InterruptEvent)) == 1, mode
        assert events[-1].status == "interrupted"


async def test_error_inside_a_node_becomes_an_error_event_then_done() -> None:
    events = await run(graphs.failing_graph("database is down"), stream_mode="messages")
    assert_well_formed(events, status="error")
    assert of(events, TokenEvent)[0].text == "partial"  # what came before is kept
    (error,) = of(events, ErrorEvent)
    assert (error.error, error.message) == ("RuntimeError", "database is down")
    assert events[-2] is error


async def test_graph_without_checkpointer_streams() -> None:
    events = await run(graphs.chat_graph("no memory", checkpointer=False), stream_mode="messages")
    assert_well_formed(events)
    assert "".join(t.text for t in of(events, TokenEvent)) == "no memory"


async def test_unknown_stream_mode_is_refused_before_running() -> None:
    with pytest.raises(ValueError, match="Unknown stream_mode 'tokens'"):
        await run(graphs.chat_graph("x"), stream_mode=["messages", "tokens"])
    with pytest.raises(ValueError):
        normalize_stream_mode([])
    assert normalize_stream_mode(["values", "values", "custom"]) == ("values", "custom")


async def test_events_round_trip_through_their_json() -> None:
    events = await run(
        graphs.progress_graph("round trip"), stream_mode=["messages", "custom", "debug"]
    )
    for event in events:
        parsed = event_adapter.validate_json(dumps(event))
        assert type(parsed) is type(event)
        assert (parsed.seq, parsed.ns, parsed.type) == (event.seq, event.ns, event.type)
        if isinstance(event, TokenEvent):
            assert parsed == event

"""GraphService on its own, with no HTTP: what every protocol's endpoints call."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from langgraph_sse import (
    Conflict,
    Encoder,
    GraphService,
    InvalidField,
    JSONFormat,
    Limits,
    NotFound,
    RunSpec,
    ThreadBusyError,
    encode_event,
)
from tests import graphs
from tests.principals import ALICE, BOB, HELLO


class OtherFormat:
    """A second wire format, to tell runs of two protocols apart."""

    name = "other"

    def encoder(self) -> Encoder:
        return encode_event

    def event_seq(self, last_event_id: str) -> int:
        return int(last_event_id)


async def frames_of(service: GraphService, run_id: str, **kwargs: Any) -> bytes:
    _, frames = await service.join(run_id, ALICE, JSONFormat(), **kwargs)
    return b"".join([chunk async for chunk in frames])


async def test_a_run_is_found_listed_and_followed_only_by_its_owner() -> None:
    service = GraphService(graphs.chat_graph("hi there"))
    run = await service.start(RunSpec(thread_id="t1", input=HELLO), ALICE, JSONFormat())
    await run.wait()
    assert run.status == "success"
    assert await service.find(run.run_id, ALICE) is run
    with pytest.raises(NotFound):
        await service.find(run.run_id, BOB)
    assert service.list_runs(ALICE) == [run]
    assert service.list_runs(ALICE, thread_id="t1") == [run]
    assert service.list_runs(ALICE, thread_id="t2") == []
    assert service.list_runs(BOB) == []
    whole = await frames_of(service, run.run_id)
    assert whole.startswith(b"event: metadata\nid: 0\n") and whole.endswith(
        b'"status":"success"}\n\n'
    )
    # after the first frame: everything but it
    assert whole.endswith(await frames_of(service, run.run_id, last_event_id="0"))
    assert len(await frames_of(service, run.run_id, last_event_id="0")) < len(whole)


async def test_join_refuses_ids_the_run_never_sent_and_runs_of_another_format() -> None:
    service = GraphService(graphs.chat_graph("hi"))
    run = await service.start(RunSpec(input=HELLO), ALICE, JSONFormat())
    await run.wait()
    for bad in ("x", "-1", "999"):
        with pytest.raises(InvalidField) as refused:
            await service.join(run.run_id, ALICE, JSONFormat(), last_event_id=bad)
        assert refused.value.where == "header" and refused.value.loc == ("last-event-id",)
    with pytest.raises(Conflict, match="'json' format"):
        await service.join(run.run_id, ALICE, OtherFormat())


async def test_one_active_run_per_thread_whatever_the_format() -> None:
    probe = graphs.LoopProbe()
    service = GraphService(graphs.endless_graph(probe), stream_mode="custom")
    first = await service.start(RunSpec(thread_id="t", input=HELLO), ALICE, JSONFormat())
    with pytest.raises(ThreadBusyError):
        await service.start(RunSpec(thread_id="t", input=HELLO), ALICE, OtherFormat())
    await probe.started.wait()
    cancelled = await service.cancel(first.run_id, ALICE)
    assert cancelled.status == "cancelled" and probe.cancelled.is_set()


async def test_limits_are_checked_on_every_run() -> None:
    service = GraphService(
        graphs.chat_graph("x"),
        limits=Limits(stream_modes=frozenset({"messages"}), configurable_keys=frozenset({"model"})),
    )
    with pytest.raises(InvalidField) as refused:
        await service.start(RunSpec(input=HELLO, stream_mode=("debug",)), None, JSONFormat())
    assert refused.value.loc == ("stream_mode", 0)
    with pytest.raises(InvalidField) as refused:
        await service.wait(
            RunSpec(input=HELLO, config={"configurable": {"checkpoint_id": "x"}}),
            None,
            JSONFormat(),
        )
    assert refused.value.loc == ("config", "configurable", "checkpoint_id")
    assert service.active_runs == 0


async def test_wait_collects_values_interrupts_and_refused_input() -> None:
    service = GraphService(graphs.approval_graph())
    outcome = await service.wait(RunSpec(thread_id="a", input=HELLO), ALICE, JSONFormat())
    assert outcome.run.status == "interrupted" and outcome.error is None
    assert [i["value"] for i in outcome.interrupts] == [{"question": "Send the email?"}]
    with pytest.raises(InvalidField) as refused:
        await service.wait(RunSpec(input={"messages": 5}), ALICE, JSONFormat())
    assert refused.value.loc == ("input",) and refused.value.type == "graph_input"


async def test_threads_are_read_and_updated_by_their_owner_only() -> None:
    service = GraphService(graphs.chat_graph("first answer"))
    await (await service.start(RunSpec(thread_id="t", input=HELLO), ALICE, JSONFormat())).wait()

    state = await service.threads.update("t", ALICE, {"messages": [AIMessage(content="edited")]})
    assert [m.content for m in state["values"]["messages"]] == [
        "hello",
        "first answer",
        "edited",
    ]
    history = await service.threads.history("t", ALICE, limit=2)
    assert history[0]["checkpoint_id"] == state["checkpoint_id"] and len(history) == 2
    assert history[0]["metadata"]["owner"] == "alice"  # an update keeps the thread hers
    for read in (
        service.threads.state("t", BOB),
        service.threads.history("t", BOB),
        service.threads.update("t", BOB, {"messages": []}),
    ):
        with pytest.raises(NotFound):
            await read
    with pytest.raises(NotFound):
        await service.threads.update("nobody", ALICE, {"messages": []})


async def test_without_a_checkpointer_there_are_no_threads() -> None:
    service = GraphService(graphs.chat_graph("x", checkpointer=False))
    with pytest.raises(Conflict, match="without a checkpointer"):
        await service.threads.state("t", None)
    run = await service.start(RunSpec(input=HELLO), None, JSONFormat())
    await asyncio.wait_for(run.wait(), 5)
    assert run.status == "success"


async def test_shutdown_twice_is_harmless() -> None:
    probe = graphs.LoopProbe()
    service = GraphService(graphs.endless_graph(probe))
    run = await service.start(RunSpec(input=HELLO), None, JSONFormat())
    await probe.started.wait()
    await service.shutdown()
    await service.shutdown()
    assert run.status == "error" and run.end_reason == "shutdown"


async def test_a_stateless_runs_thread_is_deleted_once_the_run_is_forgotten() -> None:
    service = GraphService(graphs.chat_graph("one", "two"), run_retention=0.2)
    kept = await service.start(RunSpec(input=HELLO), None, JSONFormat())
    dropped = await service.start(RunSpec(input=HELLO, keep_thread=False), None, JSONFormat())
    await asyncio.gather(kept.wait(), dropped.wait())
    saver = service.graph.checkpointer

    def config(run: Any) -> Any:
        return {"configurable": {"thread_id": run.thread_id}}

    assert await saver.aget_tuple(config(dropped)) is not None  # readable while kept
    await asyncio.sleep(0.5)
    assert await saver.aget_tuple(config(dropped)) is None
    assert await saver.aget_tuple(config(kept)) is not None

"""A new thread's claim through a run's life, and Run's byte cap, hook and waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from langgraph_sse import (
    CustomEvent,
    Event,
    GraphService,
    JSONFormat,
    NotFound,
    Run,
    RunSpec,
    encode_event,
)
from langgraph_sse.core.threads import Threads
from langgraph_sse.security.ownership import PRIVATE_THREADS
from tests import graphs
from tests.principals import ALICE, BOB, HELLO
from tests.protocols.native.test_attacks import SlowSaver

SECRET = "test-secret-that-is-long-enough-for-hs256"


# -- core/threads.py and the claim in core/service.py ------------------------------


async def test_a_new_thread_stays_claimed_while_any_run_of_its_claimant_holds_it() -> None:
    # thr-04: Alice has two runs on a new thread; the first ends (cancelled before it
    # wrote anything) while the second waits its turn: the thread is still hers.
    service = GraphService(graphs.chat_graph("a", "b", "c", checkpointer=SlowSaver(0.5)))
    enqueue = RunSpec(thread_id="new", input=HELLO, multitask="enqueue")
    first = await service.start(enqueue, ALICE, JSONFormat())
    second = await service.start(enqueue, ALICE, JSONFormat())
    first.cancel()
    await first.wait()
    await asyncio.sleep(0)
    assert first.status == "cancelled" and not second.finished
    with pytest.raises(NotFound):
        await service.start(enqueue, BOB, JSONFormat())
    await asyncio.wait_for(second.wait(), 10)
    assert second.status == "success"
    assert (await service.threads.state("new", ALICE))["metadata"]["owner"] == "alice"


class StaleReadSaver(InMemorySaver):
    """Answers one read late, with what it found before the delay (a lagging replica)."""

    def __init__(self) -> None:
        super().__init__()
        self.stale_reads = 0

    async def aget_tuple(self, config: Any) -> Any:
        found = await super().aget_tuple(config)
        if self.stale_reads:
            self.stale_reads -= 1
            await asyncio.sleep(1.0)
        return found


async def test_a_thread_written_while_the_claim_was_read_is_its_writers() -> None:
    # thr-05: Bob's first look finds no thread; meanwhile Alice claims it, writes it
    # and ends; Bob must not get it.
    saver = StaleReadSaver()
    service = GraphService(graphs.chat_graph("alice's answer", checkpointer=saver))
    saver.stale_reads = 1
    bob = asyncio.create_task(service.start(RunSpec(thread_id="t", input=HELLO), BOB, JSONFormat()))
    await asyncio.sleep(0.05)  # Bob is in his first (slow) read
    alice = await service.start(RunSpec(thread_id="t", input=HELLO), ALICE, JSONFormat())
    await asyncio.wait_for(alice.wait(), 5)
    assert alice.status == "success" and not bob.done()
    with pytest.raises(NotFound):
        await bob
    assert (await service.threads.state("t", ALICE))["metadata"]["owner"] == "alice"


class GatedSaver(InMemorySaver):
    """Each read of a thread waits until the test opens its gate: the test decides
    when each look at the thread's checkpoints ends."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: asyncio.Queue[asyncio.Event] = asyncio.Queue()

    async def aget_tuple(self, config: Any) -> Any:
        found = await super().aget_tuple(config)
        gate = asyncio.Event()
        await self.reads.put(gate)
        await gate.wait()
        return found

    async def let_next_read_end(self) -> asyncio.Event:
        """Open the gate of the next read (waiting for it); answer the gate."""
        gate = await asyncio.wait_for(self.reads.get(), 2)
        gate.set()
        return gate


def gated_threads() -> tuple[Threads, GatedSaver]:
    saver = GatedSaver()
    return Threads(graphs.chat_graph("x", checkpointer=saver), {}, PRIVATE_THREADS), saver


async def test_a_new_thread_being_claimed_is_refused_to_another_principal() -> None:
    # thr-02: Alice's claim is between its two looks at the new thread (no record
    # yet) when Bob's first look ends: the thread is being claimed, Bob is refused.
    threads, saver = gated_threads()
    alice = asyncio.create_task(threads.claim("new", ALICE))
    await saver.let_next_read_end()  # Alice's first look: no such thread; she claims it
    second_look = await asyncio.wait_for(saver.reads.get(), 2)
    bob = asyncio.create_task(threads.claim("new", BOB))
    await saver.let_next_read_end()  # Bob's first look: no such thread either
    with pytest.raises(NotFound):  # (a Bob let through would wait on a second look)
        await asyncio.wait_for(bob, 2)
    second_look.set()
    (await asyncio.wait_for(alice, 2))()
    assert (await threads.record("new", ALICE)).owner == "alice"


async def test_a_new_thread_stays_claimed_when_one_of_two_claims_of_its_claimant_fails() -> None:
    # thr-04: Alice claims a new thread twice at once (two runs); the first claim is
    # cancelled (its client went away) before the record is written: the second
    # still holds the thread, and Bob is refused.
    threads, saver = gated_threads()
    first = asyncio.create_task(threads.claim("new", ALICE))
    await saver.let_next_read_end()
    await asyncio.wait_for(saver.reads.get(), 2)  # the first's second look, held
    second = asyncio.create_task(threads.claim("new", ALICE))
    await saver.let_next_read_end()
    second_look = await asyncio.wait_for(saver.reads.get(), 2)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    bob = asyncio.create_task(threads.claim("new", BOB))
    await saver.let_next_read_end()
    with pytest.raises(NotFound):
        await asyncio.wait_for(bob, 2)
    second_look.set()
    (await asyncio.wait_for(second, 2))()
    assert (await threads.record("new", ALICE)).owner == "alice"


async def test_a_run_that_fails_to_start_lets_its_new_thread_go() -> None:  # svc-04
    service = GraphService(graphs.approval_graph())
    resume = RunSpec(thread_id="ghost", command=Command(resume="yes"))
    with pytest.raises(NotFound):  # nothing to resume: the thread does not exist
        await service.start(resume, ALICE, JSONFormat())
    run = await service.start(RunSpec(thread_id="ghost", input=HELLO), BOB, JSONFormat())
    await asyncio.wait_for(run.wait(), 5)
    assert (await service.threads.state("ghost", BOB))["metadata"]["owner"] == "bob"


async def test_a_new_thread_stays_its_creators_when_its_run_wrote_nothing() -> None:  # svc-05
    service = GraphService(graphs.chat_graph("x", "y"))
    run = await service.start(RunSpec(thread_id="kept", input=HELLO), ALICE, JSONFormat())
    run.cancel()  # before the graph ran: nothing was written
    await run.wait()
    await asyncio.sleep(0)
    assert run.status == "cancelled"
    # It exists with nothing in it yet (the soak saw a 404 here): an empty state, no history.
    empty = await service.threads.state("kept", ALICE)
    assert (empty["values"], empty["next"], empty["checkpoint_id"]) == ({}, [], None)
    assert await service.threads.history("kept", ALICE) == []
    with pytest.raises(NotFound):
        await service.threads.state("kept", BOB)
    with pytest.raises(NotFound):  # the run was accepted: the thread is Alice's
        await service.start(RunSpec(thread_id="kept", input=HELLO), BOB, JSONFormat())
    again = await service.start(RunSpec(thread_id="kept", input=HELLO), ALICE, JSONFormat())
    await asyncio.wait_for(again.wait(), 5)
    assert again.status == "success"


# -- core/run.py --------------------------------------------------------------------


async def events(count: int) -> AsyncIterator[Event]:
    for seq in range(count):
        yield CustomEvent(seq=seq, data="x" * 10)


async def test_a_run_of_exactly_max_bytes_is_not_stopped() -> None:  # run-01
    whole = Run(events(5), encode_event, run_id="whole")
    await whole.wait()
    size = sum(len(frame) for frame in whole.log_slice(0)[1])
    exact = Run(events(5), encode_event, run_id="exact", max_bytes=size)
    await exact.wait()
    assert exact.status == "success" and exact.end_reason is None
    over = Run(events(5), encode_event, run_id="over", max_bytes=size - 1)
    await over.wait()
    assert over.status == "error" and over.end_reason == "too_large"


def _hook(run_box: list[Run], seen: list[int]) -> Callable[[], Awaitable[None]]:
    async def before_done() -> None:
        seen.append(run_box[0].events)

    return before_done


async def test_before_done_runs_before_the_done_of_a_cancelled_run() -> None:  # run-05
    async def endless() -> AsyncIterator[Event]:
        seq = 0
        while True:
            yield CustomEvent(seq=seq, data=seq)
            seq += 1
            await asyncio.sleep(0.01)

    box: list[Run] = []
    seen: list[int] = []
    run = Run(endless(), encode_event, run_id="c", before_done=_hook(box, seen))
    box.append(run)
    await asyncio.sleep(0.05)
    run.cancel()
    await run.wait()
    assert run.status == "cancelled"
    assert seen == [run.events - 1]  # called once, just before the done frame


async def test_before_done_runs_before_the_done_of_a_failed_run() -> None:  # run-06
    async def failing() -> AsyncIterator[Event]:
        yield CustomEvent(seq=0, data="fine")
        raise RuntimeError("boom")

    box: list[Run] = []
    seen: list[int] = []
    run = Run(failing(), encode_event, run_id="f", before_done=_hook(box, seen))
    box.append(run)
    await run.wait()
    assert run.status == "error"
    assert seen == [run.events - 1]  # after the error frame, before done

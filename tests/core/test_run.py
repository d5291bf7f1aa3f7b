"""Run: one task per run, frames handed to the reader, bursts coalesced."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator

from langgraph_sse import (
    CustomEvent,
    DoneEvent,
    ErrorEvent,
    Event,
    MetadataEvent,
    Run,
    Unavailable,
    encode_event,
)


def frame(seq: int) -> bytes:
    return encode_event(CustomEvent(seq=seq, data=seq))


async def burst(count: int, pause: float = 0.0) -> AsyncIterator[Event]:
    for seq in range(count):
        yield CustomEvent(seq=seq, data=seq)
        await asyncio.sleep(pause)


async def collect(run: Run, flush_interval: float) -> list[bytes]:
    return [chunk async for chunk in run.chunks(flush_interval)]


async def test_a_burst_is_coalesced_after_the_first_two_writes() -> None:
    run = Run(burst(50), encode_event, run_id="r")
    chunks = await collect(run, flush_interval=0.05)
    assert b"".join(chunks) == b"".join(frame(i) for i in range(50))
    assert chunks[0] == frame(0) and chunks[1] == frame(1)  # never delayed
    assert len(chunks) <= 4  # the other 48 frames share one or two writes


async def test_frames_after_a_pause_are_written_at_once() -> None:
    run = Run(burst(5, pause=0.03), encode_event, run_id="r")
    loop = asyncio.get_running_loop()
    started = loop.time()
    chunks = await collect(run, flush_interval=0.01)
    assert chunks == [frame(i) for i in range(5)]  # one write each: no burst to wait for
    assert loop.time() - started < 5 * 0.03 + 0.1


async def test_without_interval_frames_go_out_as_soon_as_the_reader_runs() -> None:
    run = Run(burst(20), encode_event, run_id="r")
    chunks = await collect(run, flush_interval=0.0)
    assert b"".join(chunks) == b"".join(frame(i) for i in range(20))
    assert len(chunks) >= 10  # the burst yields to the loop between frames


async def test_an_event_that_cannot_be_encoded_ends_the_run_with_error_and_done() -> None:
    async def events() -> AsyncIterator[Event]:
        yield CustomEvent(seq=0, data="fine")
        yield CustomEvent(seq=1, data=object())
        yield CustomEvent(seq=2, data="never sent")

    run = Run(events(), encode_event, run_id="r")
    wire = b"".join(await collect(run, 0.0))
    error = ErrorEvent(
        seq=1, error="SerializationError", message="Object of type object is not JSON serializable"
    )
    assert wire == b"".join(
        [
            encode_event(CustomEvent(seq=0, data="fine")),
            encode_event(error),
            encode_event(DoneEvent(seq=2, status="error")),
        ]
    )


async def test_cancel_stops_the_source() -> None:
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[Event]:
        seq = 0
        try:
            while True:
                yield CustomEvent(seq=seq, data=seq)
                seq += 1
                await asyncio.sleep(0.001)
        finally:
            closed.set()

    run = Run(endless(), encode_event, run_id="r")
    async for _ in run.chunks():
        break
    run.cancel()
    await asyncio.wait_for(run.wait(), 1)
    assert run.finished and closed.is_set()


async def test_a_run_cancelled_before_its_task_ran_still_ends_with_done() -> None:
    # Cancelling a task before its first step skips its coroutine entirely: the
    # run would stay "running" with readers waiting forever.
    run = Run(burst(3), encode_event, run_id="r")
    run.cancel()
    chunks = await asyncio.wait_for(collect(run, flush_interval=0.0), 1)
    assert b"".join(chunks) == encode_event(DoneEvent(seq=0, status="cancelled"))
    assert run.finished and run.status == "cancelled"


async def test_the_end_of_a_run_is_not_held_back() -> None:
    # A burst that ends: its last frames go out as soon as the run finishes,
    # not when the (long) flush interval runs out.
    run = Run(burst(10), encode_event, run_id="r")
    loop = asyncio.get_running_loop()
    started = loop.time()
    chunks = await collect(run, flush_interval=5.0)
    assert b"".join(chunks) == b"".join(frame(i) for i in range(10))
    assert loop.time() - started < 1.0


class _Held:
    """Something a graph run holds while it runs."""


async def test_a_cancelled_run_kept_for_replay_lets_go_of_what_the_graph_held() -> None:
    # A client that leaves cancels its run, which stays replayable for a while:
    # only its log may stay alive, not the objects of the graph run behind it.
    held: list[weakref.ref[_Held]] = []

    async def parked() -> AsyncIterator[Event]:
        thing = _Held()
        held.append(weakref.ref(thing))
        yield CustomEvent(seq=0, data=0)
        await asyncio.Event().wait()
        yield CustomEvent(seq=1, data=id(thing))

    finished: list[Run] = []
    run = Run(parked(), encode_event, run_id="r")
    run.add_done_callback(finished.append)
    while run.events == 0:
        await asyncio.sleep(0)
    run.cancel()
    await run.wait()
    await asyncio.sleep(0)
    gc.collect()
    assert finished == [run] and run.status == "cancelled"
    assert run.log_slice(0)[0] == [0, 1]  # its frames are still there to replay
    assert held[0]() is None
    late: list[Run] = []
    run.add_done_callback(late.append)  # a callback added after the end still runs
    await asyncio.sleep(0)
    assert late == [run]


async def finishing(count: int) -> AsyncIterator[Event]:
    for seq in range(count):
        yield CustomEvent(seq=seq, data=seq)
        await asyncio.sleep(0.001)
    yield DoneEvent(seq=count, status="success")


async def test_a_run_that_is_ending_is_not_cancelled_again() -> None:
    # The broker's renewal stops a run whose thread it finds freed ("unavailable"):
    # the run itself freed it, in its before_done, as it was ending. A cancel
    # then must neither turn a success into an error nor cut a cancelled run's
    # ending short (its log ended without `done`).
    runs: list[Run] = []

    async def renewal_finds_the_thread_freed() -> None:
        runs[-1].cancel("unavailable")
        await asyncio.sleep(0.01)

    run = Run(finishing(3), encode_event, run_id="r", before_done=renewal_finds_the_thread_freed)
    runs.append(run)
    await asyncio.wait_for(run.wait(), 1)
    assert run.status == "success" and run.end_reason is None
    assert run.log_slice(0)[1][-1] == encode_event(DoneEvent(seq=3, status="success"))

    cancelled = Run(
        finishing(1000), encode_event, run_id="c", before_done=renewal_finds_the_thread_freed
    )
    runs.append(cancelled)
    while cancelled.events < 2:
        await asyncio.sleep(0.001)
    cancelled.cancel()
    await asyncio.wait_for(cancelled.wait(), 1)
    seqs, frames = cancelled.log_slice(0)
    assert cancelled.status == "cancelled"
    assert frames[-1] == encode_event(DoneEvent(seq=seqs[-1], status="cancelled"))


async def test_a_run_whose_turn_cannot_be_awaited_ends_unavailable_after_its_metadata() -> None:
    # A queued run whose Redis is cut: its turn on the thread raises Unavailable.
    async def turn() -> None:
        raise Unavailable("Redis cannot be reached; try again shortly")

    async def events() -> AsyncIterator[Event]:
        yield MetadataEvent(seq=0, run_id="q", thread_id="t")
        raise AssertionError("the graph must not run")
        yield  # an async generator

    run = Run(events(), encode_event, run_id="q", thread_id="t", wait_for=turn())
    await asyncio.wait_for(run.wait(), 1)
    assert run.finished and run.status == "error" and run.end_reason == "unavailable"
    assert run.log_slice(0)[1] == [
        encode_event(MetadataEvent(seq=0, run_id="q", thread_id="t")),
        encode_event(
            ErrorEvent(
                seq=1, error="unavailable", message="Redis cannot be reached; try again shortly"
            )
        ),
        encode_event(DoneEvent(seq=2, status="error")),
    ]


async def opening(pause: float) -> AsyncIterator[Event]:
    yield MetadataEvent(seq=0, run_id="r", thread_id=None)
    await asyncio.sleep(pause)
    for seq in (1, 2):
        yield CustomEvent(seq=seq, data=seq)
        await asyncio.sleep(pause)
    yield DoneEvent(seq=3, status="success")


async def test_metadata_and_the_first_output_share_a_write() -> None:
    run = Run(opening(0.01), encode_event, run_id="r")
    chunks = await collect(run, flush_interval=0.2)
    metadata = encode_event(MetadataEvent(seq=0, run_id="r", thread_id=None))
    assert chunks[0] == metadata + frame(1)


async def test_metadata_waits_for_company_no_longer_than_the_flush_interval() -> None:
    run = Run(opening(0.2), encode_event, run_id="r")
    chunks = await collect(run, flush_interval=0.02)
    metadata = encode_event(MetadataEvent(seq=0, run_id="r", thread_id=None))
    assert chunks[:3] == [metadata, frame(1), frame(2)]  # a pause each: no burst


async def test_a_reader_sees_the_end_after_the_runs_done_callbacks() -> None:
    # A client whose stream has ended finds the run's log line written.
    run = Run(burst(3), encode_event, run_id="r")
    called: list[Run] = []
    run.add_done_callback(called.append)
    chunks = await collect(run, flush_interval=0.0)
    assert b"".join(chunks) == b"".join(frame(i) for i in range(3))
    assert called == [run]

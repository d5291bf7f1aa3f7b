"""A disconnect storm against a real uvicorn server in a subprocess: 500 streams
open at once and are dropped after their first event; every run and every node
must stop, and the server must stay healthy.

Run with `pytest -s` to see the figures the test prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse

from tests.conftest import Spawn
from tests.servers import Server

STORM_CLIENTS = 500
DRAIN_TIMEOUT = 30.0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.fixture
async def storm_server(spawn: Spawn) -> Server:
    """`tests/storm_app.py` served by uvicorn in a subprocess on 127.0.0.1."""
    return await spawn("tests.storm_app:app", timeout=20)


async def first_custom_event(client: httpx.AsyncClient) -> None:
    async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
        assert source.response.status_code == 200
        async for sse in source.aiter_sse():
            if sse.event == "custom":
                return
    raise AssertionError("the stream ended before its first custom event")


async def test_disconnect_storm_leaves_nothing_running(storm_server: Server) -> None:
    pid = storm_server.process.pid
    async with httpx.AsyncClient(base_url=storm_server.url, timeout=10) as probe:
        await first_custom_event(probe)  # warm-up: one stream, dropped
        idle = await wait_idle(probe, DRAIN_TIMEOUT)
        assert idle["active_runs"] == 0 and idle["running_nodes"] == 0, idle
        await asyncio.sleep(0.2)  # let the warm-up response's own task end too
        idle = (await probe.get("/debug")).json()
        # What may be left once the storm has passed: the server's own tasks, the
        # /debug request's, and one in passing.
        max_tasks = idle["tasks"] + 1
        rss_before = rss_mib(pid)

        got_first = 0
        all_in = asyncio.Event()
        drop = asyncio.Event()

        async def stream_then_drop(client: httpx.AsyncClient) -> None:
            nonlocal got_first
            async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
                # Keep a reference: an abandoned iterator, once collected, closes the
                # connection on its own, before everyone is in.
                events = source.aiter_sse()
                async for sse in events:
                    if sse.event == "custom":
                        got_first += 1
                        if got_first == STORM_CLIENTS:
                            all_in.set()
                        break
                await drop.wait()  # hold the connection open until everyone is in
                await events.aclose()
            # Leaving the block closed the response mid-stream: the client is gone.

        storm = httpx.AsyncClient(
            base_url=storm_server.url,
            timeout=30,
            limits=httpx.Limits(max_connections=STORM_CLIENTS, max_keepalive_connections=0),
        )
        started = time.monotonic()
        tasks = [asyncio.create_task(stream_then_drop(storm)) for _ in range(STORM_CLIENTS)]
        with contextlib.suppress(TimeoutError):  # the assertions below say who is missing
            await asyncio.wait_for(all_in.wait(), timeout=30)
        opened_in = time.monotonic() - started
        peak = await probe.get("/debug")
        rss_peak = rss_mib(pid)
        drop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await storm.aclose()
        dropped_at = time.monotonic()

        after = await wait_idle(probe, DRAIN_TIMEOUT, max_tasks)
        drained_in = time.monotonic() - dropped_at
        health = await probe.get("/healthz")
        rss_after = rss_mib(pid)

    errors = [r for r in results if isinstance(r, BaseException)]
    print(
        f"\nstorm: {STORM_CLIENTS} clients, {got_first} got a first event in {opened_in:.2f} s; "
        f"at the peak {brief(peak.json())}; drained in {drained_in:.2f} s to {brief(after)}; "
        f"RSS before {rss_before:.1f} MiB, peak {rss_peak:.1f} MiB, after {rss_after:.1f} MiB"
    )
    assert errors == [], f"{len(errors)} clients failed, e.g. {errors[0]!r}"
    assert got_first == STORM_CLIENTS
    assert peak.json()["active_runs"] == STORM_CLIENTS
    assert after["active_runs"] == 0, f"runs left running: {after}"
    assert after["running_nodes"] == 0, f"nodes left running: {after}"
    assert after["run_tasks"] == 0, f"run tasks left behind: {after}"
    assert after["tasks"] <= max_tasks, f"tasks left behind: {idle} -> {after}"
    # The warm-up run and every storm run ended because its client left.
    assert after["outcomes"] == {"cancelled": STORM_CLIENTS + 1}, after["outcomes"]
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert storm_server.process.poll() is None, "the server died"
    log = storm_server.log_text()
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]


def brief(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "task_kinds"}


async def wait_idle(
    client: httpx.AsyncClient, timeout: float, max_tasks: int | None = None
) -> dict[str, Any]:
    """`/debug` once no run or node runs any more (and at most `max_tasks` asyncio
    tasks are left, when given), or when `timeout` is up."""
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = (await client.get("/debug")).json()
        idle = state["active_runs"] == 0 and state["running_nodes"] == 0
        if max_tasks is not None:
            idle = idle and state["tasks"] <= max_tasks
        if idle or time.monotonic() > deadline:
            return state
        await asyncio.sleep(0.05)

#!/usr/bin/env python3
"""A soak test, run by hand (`make soak`), not in CI.

Two replicas of `scripts/soak_app.py` (uvicorn subprocesses; threads in PostgreSQL,
runs in Redis), each reaching Redis through its own TCP proxy (`tests.proxy.Proxy`).
Many principals, each with its own API key, run workers that mix every endpoint:
streams read to the end, streams dropped at a random frame and resumed with
`Last-Event-ID` on the other replica (sometimes twice), streams dropped without
`on_disconnect: "continue"` (the run must end cancelled), background runs joined
from the other replica, `/invoke`, thread state and history, cancels from the other
replica, interrupts resumed on the other replica, `multitask_strategy`
(`reject`, `interrupt`, `enqueue`), `GET /stream`, and probes of another
principal's threads and runs (404 expected); a run queued behind a slow one is
followed from the other replica while it waits. In the middle, Redis is cut under
one replica (or both) for a few seconds.

Every run a client follows is checked: frame ids strictly increasing from 0 with no
gap or duplicate across its reconnects, a `done` at the end, the words it streamed,
and the whole of it against a full replay (`GET /runs/{id}/stream` with no
`Last-Event-ID`). At the end each replica's asyncio tasks, runs and RSS are compared
with what they were after a warm-up. 503s, `error` events of type `unavailable` and
409s of a thread still held in Redis while the cut lasts (and a lease after) are
counted apart, as expected under the cut.

    python scripts/soak.py                       # about 5 minutes (4 of soak)
    python scripts/soak.py --duration 60         # a shorter soak
    python scripts/soak.py --lease 1             # a lease shorter than the cut
    python scripts/soak.py --actions multitask,cancel --cut-at 2   # some actions, no cut

Needs PostgreSQL and Redis (tests/servers.py: LANGGRAPH_SSE_TEST_POSTGRES,
LANGGRAPH_SSE_TEST_REDIS). Exit status: 0 if every goal is met, 1 if not, 2 if the
replicas could not be started.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import pytest  # noqa: E402
from httpx_sse import EventSource  # noqa: E402
from tests.proxy import Proxy  # noqa: E402
from tests.servers import (  # noqa: E402
    POSTGRES,
    REDIS,
    Server,
    launch,
    reachable,
    stop_servers,
    wait_healthy,
)

APP = "scripts.soak_app:app"
REPLY_WORDS = [f"w{i}" for i in range(60)]  # what tests.replica_app's graph streams
SLOW_WORDS = REPLY_WORDS * 50  # its reply to a message starting with "slow"
REPLY = " ".join(REPLY_WORDS)
ACTION_TIMEOUT = 120.0  # one client action longer than this is a hang
MAX_EXAMPLES = 6  # details kept per kind of failure


# -- what is counted ----------------------------------------------------------


@dataclass
class Window:
    """When Redis was cut, and how long after it its effects may last."""

    start: float | None = None
    end: float | None = None
    grace: float = 0.0

    def overlaps(self, t0: float, t1: float) -> bool:
        if self.start is None:
            return False
        end = (self.end if self.end is not None else time.monotonic()) + self.grace
        return t0 <= end and t1 >= self.start


@dataclass
class Stats:
    window: Window
    requests: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    expected: collections.Counter[str] = field(default_factory=collections.Counter)
    actions: collections.Counter[str] = field(default_factory=collections.Counter)
    info: collections.Counter[str] = field(default_factory=collections.Counter)
    lost_frames: int = 0
    duplicate_frames: int = 0
    started: float = field(default_factory=time.monotonic)

    def fail(self, kind: str, detail: str) -> None:
        self.failures[kind] += 1
        kept = self.examples.setdefault(kind, [])
        if len(kept) < MAX_EXAMPLES:
            kept.append(f"[t={time.monotonic() - self.started:6.1f}s] {detail}")

    def count(self, label: str, status: int | str) -> None:
        self.requests[(label, str(status))] += 1


# -- one principal's HTTP client ----------------------------------------------


@dataclass
class Conn:
    """One HTTP request, a stream or not, as the client saw it."""

    label: str
    replica: str
    status: int | None = None  # None: no response (transport error)
    run_id: str | None = None
    body: Any = None
    frames: list[dict[str, Any]] = field(default_factory=list)  # numbered frames
    endings: list[dict[str, Any]] = field(default_factory=list)  # frames without an id
    dropped: bool = False  # this client left on purpose
    error: str = ""
    retry_after: float = 1.0
    t0: float = 0.0
    t1: float = 0.0

    @property
    def done(self) -> dict[str, Any] | None:
        if self.frames and self.frames[-1]["type"] == "done":
            return self.frames[-1]
        return None


@dataclass
class RunView:
    """Everything a client has read of one run, over all its connections."""

    run_id: str
    thread_id: str
    principal: str
    t0: float = field(default_factory=time.monotonic)
    frames: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    cut_short: list[str] = field(default_factory=list)  # id-less endings: error types

    @property
    def last(self) -> int:
        return self.frames[-1]["seq"] if self.frames else -1

    @property
    def done(self) -> dict[str, Any] | None:
        if self.frames and self.frames[-1]["type"] == "done":
            return self.frames[-1]
        return None

    @property
    def errors(self) -> list[str]:
        return [f.get("error", "?") for f in self.frames if f["type"] == "error"]

    def words(self) -> list[str]:
        return [f["data"]["word"] for f in self.frames if f["type"] == "custom"]


class Client:
    """A principal's worker: its own key, its own threads."""

    def __init__(
        self,
        soak: Soak,
        principal: str,
        key: str,
        index: int,
        rng: random.Random,
    ) -> None:
        self.soak = soak
        self.stats = soak.stats
        self.principal = principal
        self.key = key
        self.name = f"{principal}/{index}"
        self.rng = rng
        self.http = httpx.AsyncClient(
            headers={"X-API-Key": key},
            timeout=httpx.Timeout(30.0, connect=5.0),
        )
        self.threads: list[str] = []  # threads with at least one finished run
        self.action = "warm-up"

    def fail(self, kind: str, detail: str) -> None:
        self.stats.fail(kind, f"{self.name} {self.action}: {detail}")

    # -- plumbing --

    def other(self, replica: str) -> str:
        a, b = self.soak.urls
        return b if replica == a else a

    def replica(self) -> str:
        return self.rng.choice(self.soak.urls)

    def new_thread(self) -> str:
        return f"soak-{self.soak.tag}-{self.principal}-{uuid.uuid4().hex[:12]}"

    def thread(self, fresh: float = 0.3) -> str:
        if not self.threads or self.rng.random() < fresh:
            return self.new_thread()
        return self.rng.choice(self.threads)

    def keep(self, thread_id: str) -> None:
        if thread_id not in self.threads:
            self.threads.append(thread_id)
            if len(self.threads) > 4:
                self.threads.pop(0)

    def under_cut(self, t0: float, t1: float | None = None) -> bool:
        return self.stats.window.overlaps(t0, time.monotonic() if t1 is None else t1)

    def judge(self, conn: Conn, expect: tuple[int, ...], *, own_thread: bool = True) -> bool:
        """Count `conn`'s status; True if it is one of `expect`."""
        status = conn.status
        self.stats.count(conn.label, status if status is not None else "no response")
        if status in expect:
            return True
        where = f"{conn.label} on {self.soak.name(conn.replica)} by {self.principal}"
        cut = self.under_cut(conn.t0, conn.t1)
        if status is None:
            self.fail("no response (transport error)", f"{where}: {conn.error}")
        elif status == 503 and cut:
            self.stats.expected[f"503 under the cut: {conn.label}"] += 1
        elif status >= 500:
            self.fail(f"5xx ({status})", f"{where}: {str(conn.body)[:300]}")
        elif status == 409 and cut and own_thread:
            self.stats.expected["409: own thread still held in Redis after the cut"] += 1
        else:
            self.fail(
                f"unexpected status {status}",
                f"{where} (expected {expect}): {str(conn.body)[:300]}",
            )
        return False

    async def call(
        self,
        method: str,
        replica: str,
        path: str,
        label: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Conn:
        conn = Conn(label, replica, t0=time.monotonic())
        try:
            response = await self.http.request(
                method, replica + path, json=json_body, params=params, headers=headers
            )
        except httpx.TransportError as exc:
            conn.error = f"{type(exc).__name__}: {exc}"
        else:
            conn.status = response.status_code
            conn.run_id = response.headers.get("x-run-id")
            conn.retry_after = float(response.headers.get("retry-after", "1") or 1)
            try:
                conn.body = response.json()
            except ValueError:
                conn.body = response.text
        conn.t1 = time.monotonic()
        return conn

    async def stream(
        self,
        method: str,
        replica: str,
        path: str,
        label: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        after: int = -1,
        drop_after: int | None = None,
    ) -> Conn:
        """One SSE request: its numbered frames and id-less endings; left after
        `drop_after` frames if given."""
        conn = Conn(label, replica, t0=time.monotonic())
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if after >= 0:
            headers["Last-Event-ID"] = str(after)
        try:
            async with self.http.stream(
                method, replica + path, json=json_body, params=params, headers=headers
            ) as response:
                conn.status = response.status_code
                conn.run_id = response.headers.get("x-run-id")
                conn.retry_after = float(response.headers.get("retry-after", "1") or 1)
                if response.status_code != 200:
                    body = await response.aread()
                    try:
                        conn.body = json.loads(body) if body else None
                    except ValueError:
                        conn.body = body[:300]
                else:
                    await self._read(conn, response, drop_after)
        except httpx.TransportError as exc:
            conn.error = f"{type(exc).__name__}: {exc}"
            if conn.status is not None:  # the response had begun
                conn.error = f"cut mid-stream: {conn.error}"
        conn.t1 = time.monotonic()
        return conn

    async def _read(self, conn: Conn, response: httpx.Response, drop_after: int | None) -> None:
        if drop_after is not None and drop_after <= 0:
            conn.dropped = True
            return
        async for sse in EventSource(response).aiter_sse():
            if not sse.data:  # a keep-alive comment once an id was seen
                continue
            payload = json.loads(sse.data)
            if sse.event != payload.get("type"):
                self.fail("malformed frame", f"event {sse.event!r} for {sse.data[:200]}")
            if sse.id == str(payload.get("seq")):
                conn.frames.append(payload)
            else:  # no `id:` of its own: a relay stopped early (the run may go on)
                conn.endings.append(payload)
            if drop_after is not None and len(conn.frames) >= drop_after and not conn.endings:
                if payload["type"] != "done":
                    conn.dropped = True
                return

    def absorb(self, view: RunView, conn: Conn) -> None:
        """Add a connection's frames to what the client has of the run, counting
        frames lost or repeated since the `Last-Event-ID` it sent."""
        view.connections += 1
        expected = view.last + 1
        for frame in conn.frames:
            seq = frame["seq"]
            if view.done is not None:
                self.fail(
                    "frames after done",
                    f"run {view.run_id} on {self.soak.name(conn.replica)}: "
                    f"{tail(view.frames, 2)} then {tail([frame], 1)}",
                )
            if seq == expected:
                view.frames.append(frame)
                expected += 1
            elif seq < expected:
                self.stats.duplicate_frames += 1
                self.fail(
                    "duplicated frame on resume",
                    f"run {view.run_id} on {self.soak.name(conn.replica)}: seq {seq} again "
                    f"(had up to {expected - 1})",
                )
            else:
                self.stats.lost_frames += seq - expected
                self.fail(
                    "lost frames on resume",
                    f"run {view.run_id} on {self.soak.name(conn.replica)}: "
                    f"seq {expected}..{seq - 1} missing",
                )
                view.frames.append(frame)
                expected = seq + 1
            if frame["type"] == "metadata" and frame.get("run_id") not in (None, view.run_id):
                self.fail("wrong run", f"metadata of {frame.get('run_id')} in {view.run_id}")
        for ending in conn.endings:
            if ending["type"] == "error":
                view.cut_short.append(ending.get("error", "?"))
        self.stats.info["frames read"] += len(conn.frames)

    # -- following a run to its end --

    async def follow(
        self,
        view: RunView,
        replica: str,
        *,
        drops: int = 0,
        first: Conn | None = None,
    ) -> None:
        """Read `view`'s run to its `done` (after `first`, a connection already
        read), resuming with `Last-Event-ID` on the other replica whenever a
        connection ends early; `drops` more times, leave on purpose at a random
        frame first."""
        if view.done is not None and first is None:
            return  # read to its end already (by another follower)
        conn = first
        attempts = 0
        while True:
            if conn is not None:
                if conn.status == 200:
                    self.absorb(view, conn)
                if view.done is not None:
                    return
                if conn.status == 200 and conn.dropped:
                    replica = self.other(conn.replica)
                elif conn.status == 200 and conn.endings:
                    kinds = ",".join(e.get("error", e["type"]) for e in conn.endings)
                    if self.under_cut(conn.t0, conn.t1) and "unavailable" in kinds:
                        self.stats.expected["relay ended `unavailable` (resumed later)"] += 1
                    else:
                        self.fail(
                            "stream ended early without ids",
                            f"run {view.run_id} on {self.soak.name(conn.replica)}: {kinds}",
                        )
                    await asyncio.sleep(0.5)
                    replica = self.other(conn.replica)
                elif conn.status == 200:
                    self.fail(
                        "stream ended without done",
                        f"run {view.run_id} on {self.soak.name(conn.replica)} after seq "
                        f"{view.last} {conn.error}",
                    )
                    replica = self.other(conn.replica)
                elif conn.status == 204:
                    self.fail(
                        "204 before done",
                        f"run {view.run_id} on {self.soak.name(conn.replica)} after seq {view.last}",
                    )
                    return
                elif conn.status == 503:
                    await asyncio.sleep(min(conn.retry_after, 2.0))
                    replica = self.other(conn.replica)
                else:
                    return  # judged already
                attempts += 1
                if attempts > 40:
                    self.fail("gave up following", f"run {view.run_id} after seq {view.last}")
                    return
            drop_after = None
            if drops > 0:
                drops -= 1
                drop_after = self.rng.randint(0, 40)
            if view.last >= 0:
                self.stats.info["resumes with Last-Event-ID"] += 1
            conn = await self.stream(
                "GET",
                replica,
                f"/runs/{view.run_id}/stream",
                "GET /runs/{id}/stream",
                after=view.last,
                drop_after=drop_after,
            )
            self.judge(conn, (200,))

    async def verify(
        self,
        view: RunView,
        status: str,
        *,
        words: list[str] | None = None,
        prefix_of: list[str] | None = None,
    ) -> None:
        """Check a run read to its `done`: its status, its words, and the whole of
        it against a replay from the start."""
        done = view.done
        if done is None:
            return  # counted already
        self.stats.info["runs checked"] += 1
        seqs = [f["seq"] for f in view.frames]
        if seqs != list(range(len(seqs))):
            self.fail("frame ids not 0..n-1", f"run {view.run_id}: {seqs[:10]}...")
        if not view.frames or view.frames[0]["type"] != "metadata":
            self.fail("no metadata first", f"run {view.run_id}")
        if done.get("status") != status:
            errors = view.errors
            if "unavailable" in errors and self.under_cut(view.t0):
                self.stats.expected["run stopped: `unavailable` (lease lapsed under the cut)"] += 1
            elif "lost" in errors:
                self.fail(
                    "run ended `lost`", f"run {view.run_id} ({self.principal}): errors {errors}"
                )
            else:
                self.fail(
                    "unexpected run outcome",
                    f"run {view.run_id} ({self.principal}): done {done.get('status')} "
                    f"(expected {status}), errors {errors}, {len(view.frames)} frames, "
                    f"last {tail(view.frames)}",
                )
        elif words is not None and view.words() != words:
            self.fail("wrong words", f"run {view.run_id}: {view.words()[:5]}...")
        elif prefix_of is not None and view.words() != prefix_of[: len(view.words())]:
            self.fail("wrong words", f"run {view.run_id}: not a prefix")
        await self.replay(view)

    async def replay(self, view: RunView) -> None:
        """Read the whole run again from a random replica and compare."""
        for _ in range(20):
            replica = self.replica()
            conn = await self.stream("GET", replica, f"/runs/{view.run_id}/stream", "replay")
            if self.judge(conn, (200,)):
                break
            if conn.status != 503:
                return
            await asyncio.sleep(min(conn.retry_after, 2.0))
        else:
            return
        if conn.endings or conn.done is None:
            if conn.endings and self.under_cut(conn.t0, conn.t1):
                self.stats.expected["replay cut short under the cut"] += 1
            else:
                self.fail(
                    "replay without done",
                    f"run {view.run_id} on {self.soak.name(replica)}: {conn.endings} {conn.error}",
                )
            return
        self.stats.info["replays compared"] += 1
        if conn.frames != view.frames:
            seen = {f["seq"] for f in view.frames}
            missing = [f["seq"] for f in conn.frames if f["seq"] not in seen]
            self.stats.lost_frames += len(missing)
            first = next(
                (
                    i
                    for i, (a, b) in enumerate(zip(conn.frames, view.frames, strict=False))
                    if a != b
                ),
                min(len(conn.frames), len(view.frames)),
            )
            self.fail(
                "client view differs from the replay",
                f"run {view.run_id} ({self.principal}): {len(view.frames)} frames read, "
                f"{len(conn.frames)} replayed on {self.soak.name(replica)}, first difference at "
                f"{first}: read {view.frames[first : first + 1]} replayed {conn.frames[first : first + 1]}",
            )
        elif self.rng.random() < 0.3:
            # read to its end: a reconnect with the last id answers 204
            again = await self.stream(
                "GET",
                self.replica(),
                f"/runs/{view.run_id}/stream",
                "GET /runs/{id}/stream (at its end)",
                after=view.last,
            )
            if again.status == 200 and not again.frames and not again.endings:
                # the other replica's copy in Redis not closed yet: an empty stream
                self.stats.count(again.label, 200)
                self.stats.info["at its end: 200 with no frame (not 204)"] += 1
            elif again.status == 200 and again.frames:
                self.stats.count(again.label, 200)
                self.stats.duplicate_frames += len(again.frames)
                self.fail(
                    "duplicated frame on resume",
                    f"run {view.run_id} read to its end: {len(again.frames)} more frames on "
                    f"{self.soak.name(again.replica)}",
                )
            else:
                self.judge(again, (204,))

    def register(self, view: RunView) -> None:
        self.soak.registry.append((self.principal, view.thread_id, view.run_id))
        if len(self.soak.registry) > 500:
            del self.soak.registry[:250]

    async def start_stream(
        self, replica: str, body: dict[str, Any], *, drop_after: int | None = None
    ) -> tuple[RunView | None, Conn]:
        conn = await self.stream(
            "POST", replica, "/stream", "POST /stream", json_body=body, drop_after=drop_after
        )
        if not self.judge(conn, (200,)) or conn.run_id is None:
            return None, conn
        view = RunView(conn.run_id, body["thread_id"], self.principal, t0=conn.t0)
        self.register(view)
        return view, conn

    async def start_run(self, replica: str, body: dict[str, Any]) -> RunView | None:
        conn = await self.call("POST", replica, "/runs", "POST /runs", json_body=body)
        if not self.judge(conn, (202,)):
            return None
        view = RunView(conn.body["run_id"], body["thread_id"], self.principal, t0=conn.t0)
        self.register(view)
        return view

    # -- the actions --

    async def act_stream(self) -> None:
        """POST /stream, read to the end."""
        thread = self.thread()
        mode = self.rng.choice(["custom", "custom", ["custom", "updates"]])
        body = {"message": "hello", "thread_id": thread, "stream_mode": mode}
        view, conn = await self.start_stream(self.replica(), body)
        if view is None:
            return
        await self.follow(view, conn.replica, first=conn)
        await self.verify(view, "success", words=REPLY_WORDS)
        self.keep(thread)

    async def act_drop_resume(self) -> None:
        """POST /stream (on_disconnect: continue), leave at a random frame, resume
        on the other replica with Last-Event-ID (and maybe leave and resume again)."""
        thread = self.thread()
        body = {"message": "hello", "thread_id": thread, "on_disconnect": "continue"}
        replica = self.replica()
        view, conn = await self.start_stream(replica, body, drop_after=self.rng.randint(0, 70))
        if view is None:
            return
        await self.follow(view, replica, first=conn, drops=self.rng.choice([0, 0, 1, 2]))
        await self.verify(view, "success", words=REPLY_WORDS)
        self.keep(thread)

    async def act_drop_cancels(self) -> None:
        """POST /stream (on_disconnect: cancel, the default) of a slow run, leave:
        the run must end cancelled."""
        thread = self.thread()
        view, conn = await self.start_stream(
            self.replica(),
            {"message": "slow", "thread_id": thread},
            drop_after=self.rng.randint(1, 30),
        )
        if view is None:
            return
        if not conn.dropped:  # it ended by itself: how is for follow to say
            await self.follow(view, conn.replica, first=conn)
            await self.verify(view, "cancelled", prefix_of=SLOW_WORDS)
            return
        self.absorb(view, conn)
        deadline = time.monotonic() + 15
        status = "?"
        while time.monotonic() < deadline:
            info = await self.call("GET", self.replica(), f"/runs/{view.run_id}", "GET /runs/{id}")
            if self.judge(info, (200,)) and isinstance(info.body, dict):
                status = info.body["status"]
                if status not in ("pending", "running"):
                    break
            await asyncio.sleep(0.2)
        if status != "cancelled" and not self.under_cut(view.t0):
            self.fail("left stream not cancelled", f"run {view.run_id}: status {status} after 15 s")
        await self.follow(view, self.replica())
        await self.verify(view, "cancelled", prefix_of=SLOW_WORDS)
        self.keep(thread)

    async def act_background(self) -> None:
        """POST /runs on one replica, join it from the other."""
        thread = self.thread()
        replica = self.replica()
        view = await self.start_run(replica, {"message": "hello", "thread_id": thread})
        if view is None:
            return
        if self.rng.random() < 0.5:  # poll its status first
            for _ in range(100):
                info = await self.call(
                    "GET", self.other(replica), f"/runs/{view.run_id}", "GET /runs/{id}"
                )
                if (
                    self.judge(info, (200,))
                    and isinstance(info.body, dict)
                    and info.body["status"] not in ("pending", "running")
                ):
                    break
                await asyncio.sleep(0.1)
        await self.follow(view, self.other(replica), drops=self.rng.choice([0, 1]))
        await self.verify(view, "success", words=REPLY_WORDS)
        self.keep(thread)

    async def act_invoke(self) -> None:
        thread = self.thread()
        conn = await self.call(
            "POST",
            self.replica(),
            "/invoke",
            "POST /invoke",
            json_body={"message": "hello", "thread_id": thread},
        )
        if not self.judge(conn, (200,)):
            return
        body = conn.body
        last = body.get("values", {}).get("messages", [{}])[-1].get("content")
        if body.get("status") != "success" or last != REPLY:
            self.fail("wrong invoke answer", f"{str(body)[:300]}")
        self.keep(thread)

    async def act_read_thread(self) -> None:
        if not self.threads:
            return await self.act_stream()
        thread = self.rng.choice(self.threads)
        state = await self.call(
            "GET", self.replica(), f"/threads/{thread}/state", "GET /threads/{id}/state"
        )
        if self.judge(state, (200,)):
            body = state.body
            if body.get("thread_id") != thread or body.get("metadata", {}).get("owner") != (
                self.principal
            ):
                self.fail("wrong thread state", f"{thread}: {str(body)[:300]}")
        limit = self.rng.randint(1, 20)
        history = await self.call(
            "GET",
            self.replica(),
            f"/threads/{thread}/history",
            "GET /threads/{id}/history",
            params={"limit": limit},
        )
        if self.judge(history, (200,)):
            checkpoints = history.body.get("checkpoints", [])
            if not 1 <= len(checkpoints) <= limit:
                self.fail("wrong history", f"{thread}: {len(checkpoints)} for limit {limit}")

    async def act_cancel(self) -> None:
        """A slow background run, followed from the other replica, cancelled from
        either."""
        thread = self.thread()
        replica = self.replica()
        view = await self.start_run(replica, {"message": "slow", "thread_id": thread})
        if view is None:
            return
        conn = await self.stream(
            "GET",
            self.other(replica),
            f"/runs/{view.run_id}/stream",
            "GET /runs/{id}/stream",
            drop_after=self.rng.randint(1, 40),
        )
        self.judge(conn, (200,))
        cancelled = await self.cancel_run(view)
        await self.follow(view, self.other(replica), first=conn)
        if cancelled:
            await self.verify(view, "cancelled", prefix_of=SLOW_WORDS)
        else:
            await self.verify(view, "success", words=SLOW_WORDS)
        self.keep(thread)

    async def act_interrupt(self) -> None:
        """An interrupt on one replica, resumed on the other."""
        thread = self.new_thread()
        replica = self.replica()
        view, conn = await self.start_stream(
            replica, {"message": "approve it", "thread_id": thread}
        )
        if view is None:
            return
        await self.follow(view, replica, first=conn)
        await self.verify(view, "interrupted")
        if view.done is None or view.done.get("status") != "interrupted":
            return
        if not any(f["type"] == "interrupt" for f in view.frames):
            self.fail("no interrupt event", f"run {view.run_id}")
        for _ in range(10):
            body = {"thread_id": thread, "command": {"resume": "yes"}, "stream_mode": "updates"}
            resumed, conn = await self.start_stream(self.other(replica), body)
            if resumed is not None or conn.status not in (503, 409):
                break
            await asyncio.sleep(1)
        if resumed is None:
            return
        await self.follow(resumed, conn.replica, first=conn)
        await self.verify(resumed, "success")
        state = await self.call(
            "GET", self.replica(), f"/threads/{thread}/state", "GET /threads/{id}/state"
        )
        if self.judge(state, (200,)):
            last = state.body["values"]["messages"][-1]["content"]
            if last != "approved: yes" or state.body["next"] != []:
                self.fail("wrong state after resume", f"{thread}: {last!r}")
        self.keep(thread)

    async def act_multitask(self) -> None:
        """A second run on a busy thread: reject (409), interrupt, enqueue (and a
        run queued behind a slow one, followed from the other replica meanwhile)."""
        thread = self.new_thread()
        a = self.replica()
        b = self.other(a)
        strategy = self.rng.choice(["interrupt", "enqueue", "enqueue behind slow"])
        slow = strategy != "enqueue"
        first = await self.start_run(
            a, {"message": "slow" if slow else "hello", "thread_id": thread}
        )
        if first is None:
            return
        if strategy == "interrupt":
            await asyncio.sleep(self.rng.uniform(0.1, 0.5))
            busy = await self.call(
                "POST",
                b,
                "/runs",
                "POST /runs (busy thread)",
                json_body={"message": "me too", "thread_id": thread},
            )
            self.judge(busy, (409,))
        body = {
            "message": "hello",
            "thread_id": thread,
            "multitask_strategy": "interrupt" if strategy == "interrupt" else "enqueue",
        }
        second = None
        for _ in range(10):
            second = await self.start_run(b, body)
            if second is not None or not self.under_cut(first.t0):
                break
            await asyncio.sleep(1)
        cancelled = strategy == "interrupt" and second is not None
        if strategy == "enqueue behind slow" and second is not None:
            # the queued run followed from the other replica while it waits its turn
            follower = asyncio.create_task(self.follow(second, a))
            try:
                await asyncio.sleep(self.rng.uniform(0.5, 2.0))
                cancelled = await self.cancel_run(first)
                await follower
            finally:
                follower.cancel()
        # both followed at once: a run waiting its turn behind a slow one could
        # otherwise be over and forgotten (run_retention) before it is read
        follow = [self.follow(first, self.rng.choice((a, b)))]
        if second is not None:
            follow.append(self.follow(second, self.rng.choice((a, b))))
        await asyncio.gather(*follow)
        if not slow:
            await self.verify(first, "success", words=REPLY_WORDS)
        elif cancelled:
            await self.verify(first, "cancelled", prefix_of=SLOW_WORDS)
        else:  # never cancelled (the cut): the first went on
            await self.verify(first, "success", words=SLOW_WORDS)
        if second is not None:
            await self.verify(second, "success", words=REPLY_WORDS)
        self.keep(thread)

    async def cancel_run(self, view: RunView) -> bool:
        """POST /runs/{id}/cancel on a random replica, again on the other while it
        answers 503; whether it was accepted."""
        target = self.replica()
        for _ in range(15):
            cancelled = await self.call(
                "POST", target, f"/runs/{view.run_id}/cancel", "POST /runs/{id}/cancel"
            )
            if self.judge(cancelled, (202,)):
                status = cancelled.body.get("status")
                if status != "cancelled":
                    self.stats.info[f"cancel answered 202 {status}"] += 1
                return True
            if cancelled.status != 503:
                return False
            await asyncio.sleep(min(cancelled.retry_after, 1.0))
            target = self.other(target)
        return False

    async def act_eventsource(self) -> None:
        """GET /stream, as an EventSource would."""
        thread = self.thread()
        params = {"message": "hello", "thread_id": thread, "stream_mode": "custom"}
        conn = await self.stream("GET", self.replica(), "/stream", "GET /stream", params=params)
        if not self.judge(conn, (200,)) or conn.run_id is None:
            return
        view = RunView(conn.run_id, thread, self.principal, t0=conn.t0)
        await self.follow(view, conn.replica, first=conn)
        await self.verify(view, "success", words=REPLY_WORDS)
        self.keep(thread)

    async def act_cross(self) -> None:
        """Another principal's thread and run: every endpoint must answer 404."""
        theirs = [entry for entry in self.soak.registry if entry[0] != self.principal]
        if not theirs:
            return
        _, thread, run_id = self.rng.choice(theirs)
        probes: list[tuple[str, str, Any]] = [
            ("GET", f"/threads/{thread}/state", None),
            ("GET", f"/threads/{thread}/history", None),
            ("POST", "/stream", {"message": "mine?", "thread_id": thread}),
            ("POST", "/invoke", {"message": "mine?", "thread_id": thread}),
            ("GET", f"/runs/{run_id}", None),
            ("GET", f"/runs/{run_id}/stream", None),
            ("POST", f"/runs/{run_id}/cancel", None),
            ("POST", "/stream", {"thread_id": thread, "command": {"resume": "yes"}}),
        ]
        for strategy in ("reject", "interrupt", "enqueue"):
            body = {"message": "mine?", "thread_id": thread, "multitask_strategy": strategy}
            probes.append(("POST", "/runs", body))
        for method, path, body in self.rng.sample(probes, 3):
            label = "cross " + method + " " + re.sub(r"/(runs|threads)/[^/]+", r"/\1/{id}", path)
            if path.endswith("/stream") and method == "GET":
                conn = await self.stream(method, self.replica(), path, label)
            else:
                conn = await self.call(method, self.replica(), path, label, json_body=body)
            self.stats.info["cross-principal probes"] += 1
            if conn.status == 404 or (conn.status == 503 and self.under_cut(conn.t0, conn.t1)):
                self.judge(conn, (404,), own_thread=False)
                continue
            self.stats.count(label, conn.status if conn.status is not None else "no response")
            self.fail(
                "cross-principal leak",
                f"{self.principal} got {conn.status} for {method} {path} "
                f"(owner's run {run_id}): {str(conn.body)[:200]}",
            )
        # and no key at all
        conn = await self.call(
            "GET",
            self.replica(),
            f"/runs/{run_id}",
            "no key GET /runs/{id}",
            headers={"X-API-Key": ""},
        )
        if conn.status != 401:
            self.fail("cross-principal leak", f"no key: {conn.status} for /runs/{run_id}")
        self.stats.count(conn.label, conn.status if conn.status is not None else "no response")

    ACTIONS: dict[str, tuple[int, str]] = {
        "stream": (14, "act_stream"),
        "drop+resume": (22, "act_drop_resume"),
        "drop (cancels)": (5, "act_drop_cancels"),
        "background+join": (12, "act_background"),
        "invoke": (8, "act_invoke"),
        "state+history": (10, "act_read_thread"),
        "cancel": (7, "act_cancel"),
        "interrupt+resume": (6, "act_interrupt"),
        "multitask": (5, "act_multitask"),
        "GET /stream": (4, "act_eventsource"),
        "cross-principal": (7, "act_cross"),
    }

    async def work(self, deadline: float, think: float, only: list[str] | None = None) -> None:
        names = only or list(self.ACTIONS)
        weights = [self.ACTIONS[n][0] for n in names]
        try:
            while time.monotonic() < deadline:
                name = self.rng.choices(names, weights)[0]
                action: Callable[[], Awaitable[None]] = getattr(self, self.ACTIONS[name][1])
                self.stats.actions[name] += 1
                self.action = name
                started = time.monotonic()
                try:
                    async with asyncio.timeout(ACTION_TIMEOUT):
                        await action()
                except TimeoutError:
                    self.fail("hang", f"took over {ACTION_TIMEOUT:g} s")
                except Exception as exc:  # the script's own bug or an answer of a bad shape
                    self.fail(
                        "client exception",
                        f"{self.name}: {name} after {time.monotonic() - started:.1f} s: "
                        f"{type(exc).__name__}: {exc}",
                    )
                await asyncio.sleep(self.rng.uniform(0, think))
        finally:
            await self.http.aclose()


# -- the soak -----------------------------------------------------------------


class ProxyThread:
    """The Redis proxies, on an event loop of their own (in a thread), so that the
    clients' load does not slow the replicas' Redis traffic."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.proxies: list[Proxy] = []

    def start(self, count: int, upstream_host: str, upstream_port: int) -> list[Proxy]:
        self.thread.start()
        for _ in range(count):
            proxy = Proxy(upstream_port, upstream_host)
            asyncio.run_coroutine_threadsafe(proxy.start(), self.loop).result(10)
            self.proxies.append(proxy)
        return self.proxies

    def cut(self, proxy: Proxy) -> None:
        self.loop.call_soon_threadsafe(proxy.cut)

    def restore(self, proxy: Proxy) -> None:
        self.loop.call_soon_threadsafe(proxy.restore)

    def close(self) -> None:
        for proxy in self.proxies:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(proxy.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tag = uuid.uuid4().hex[:8]
        self.prefix = f"langgraph-sse-soak:{self.tag}:"
        grace = args.lease + 3.0  # a claim left in Redis lapses within a lease
        self.stats = Stats(Window(grace=grace))
        self.urls: list[str] = []
        self.servers: list[Server] = []
        self.registry: list[tuple[str, str, str]] = []  # (principal, thread, run)
        self.keys = {f"soak-key-{self.tag}-{i}": f"p{i:02d}" for i in range(args.principals)}
        self.logs = Path(tempfile.mkdtemp(prefix="langgraph-sse-soak-"))
        self.proxies = ProxyThread()
        self.debug_before: list[dict[str, Any]] = []
        self.debug_after: list[dict[str, Any]] = []
        self.debug_soak: list[dict[str, Any]] = []

    def name(self, url: str) -> str:
        return "AB"[self.urls.index(url)] if url in self.urls else url

    # -- setup and teardown --

    async def start_replicas(self) -> None:
        redis = urlsplit(REDIS)
        proxies = self.proxies.start(2, redis.hostname or "127.0.0.1", redis.port or 6379)
        for i, proxy in enumerate(proxies):
            env = {
                "REPLICA_POSTGRES": POSTGRES,
                "REPLICA_REDIS": proxy.url("redis", redis.path or "/0"),
                "REPLICA_PREFIX": self.prefix,
                "SOAK_KEYS": json.dumps(self.keys),
                "SOAK_LEASE": str(self.args.lease),
                "SOAK_RETENTION": str(self.args.retention),
                "SOAK_PING": "5",
            }
            self.servers.append(launch(APP, self.logs / f"replica-{'ab'[i]}.log", env))
        for server in self.servers:
            await wait_healthy(server, timeout=60)
        self.urls = [server.url for server in self.servers]

    async def debug(self, client: httpx.AsyncClient) -> list[dict[str, Any]]:
        answers = []
        for url in self.urls:
            answers.append((await client.get(f"{url}/_soak/debug", params={"gc": 1})).json())
        return answers

    async def quiesce(self, client: httpx.AsyncClient, timeout: float) -> list[dict[str, Any]]:
        """Wait until no replica has a run going, a publisher or an open stream."""
        deadline = time.monotonic() + timeout
        while True:
            seen = await self.debug(client)
            busy = any(
                d["active_runs"] or d["publishers"] or d["open_streams"] or d["broker_local_runs"]
                for d in seen
            )
            if not busy or time.monotonic() > deadline:
                return seen
            await asyncio.sleep(0.5)

    async def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            from redis.asyncio import Redis

            redis = Redis.from_url(REDIS)
            keys = [key async for key in redis.scan_iter(match=f"{self.prefix}*")]
            if keys:
                await redis.delete(*keys)
            await redis.aclose()
        if self.args.keep_data:
            return
        with contextlib.suppress(Exception):
            import psycopg

            async with await psycopg.AsyncConnection.connect(POSTGRES, autocommit=True) as db:
                for table in ("checkpoint_writes", "checkpoint_blobs", "checkpoints"):
                    await db.execute(
                        f"DELETE FROM {table} WHERE thread_id LIKE %s",  # type: ignore[arg-type]
                        (f"soak-{self.tag}-%",),
                    )

    # -- the run --

    async def warm_up(self) -> None:
        """A few runs of every kind on each replica, so that what is built once
        (pools, listeners, caches) is there before the baseline."""
        rng = random.Random(0)
        key, principal = next(iter(self.keys.items()))
        client = Client(self, principal, key, 99, rng)
        try:
            for action in (
                client.act_stream,
                client.act_drop_resume,
                client.act_background,
                client.act_invoke,
                client.act_read_thread,
                client.act_cancel,
                client.act_interrupt,
                client.act_eventsource,
            ):
                for _ in range(2):
                    await action()
        finally:
            await client.http.aclose()

    async def cut(self, at: float) -> None:
        await asyncio.sleep(at)
        which = {"a": [0], "b": [1], "both": [0, 1]}[self.args.cut_replica]
        window = self.stats.window
        window.start = time.monotonic()
        for i in which:
            self.proxies.cut(self.proxies.proxies[i])
        print(f"  Redis cut under {self.args.cut_replica.upper()} for {self.args.cut_seconds:g} s")
        await asyncio.sleep(self.args.cut_seconds)
        for i in which:
            self.proxies.restore(self.proxies.proxies[i])
        window.end = time.monotonic()
        print("  Redis restored")

    async def progress(self, every: float = 30.0) -> None:
        while True:
            await asyncio.sleep(every)
            s = self.stats
            print(
                f"  t={time.monotonic() - s.started:5.0f}s requests={sum(s.requests.values())} "
                f"runs checked={s.info['runs checked']} failures={sum(s.failures.values())}",
                flush=True,
            )

    async def run(self) -> int:
        args = self.args
        print(f"soak {self.tag} of {source_version()}: logs in {self.logs}")
        try:
            await self.start_replicas()
        except (Exception, pytest.fail.Exception) as exc:  # wait_healthy calls pytest.fail
            print(f"could not start the replicas: {exc}", file=sys.stderr)
            return 2
        print(f"replicas A {self.urls[0]}  B {self.urls[1]}")
        async with httpx.AsyncClient(timeout=10) as probe:
            await self.warm_up()
            await asyncio.sleep(1.0)
            self.debug_before = await self.quiesce(probe, 30)
            print(
                f"warm-up done ({sum(self.stats.requests.values())} requests); soaking "
                f"{args.duration:g} s with {args.principals} principals x {args.workers} workers"
            )
            self.stats.started = time.monotonic()
            deadline = time.monotonic() + args.duration
            clients = []
            for i, (key, principal) in enumerate(self.keys.items()):
                for w in range(args.workers):
                    rng = random.Random(f"{args.seed}-{i}-{w}")
                    clients.append(Client(self, principal, key, w, rng))
            side = [
                asyncio.create_task(self.cut(args.duration * args.cut_at)),
                asyncio.create_task(self.progress()),
            ]
            await asyncio.gather(*(c.work(deadline, args.think, args.actions) for c in clients))
            for task in side:
                task.cancel()
            await asyncio.gather(*side, return_exceptions=True)
            elapsed = time.monotonic() - self.stats.started
            print(f"clients done after {elapsed:.0f} s; waiting for the replicas to settle")
            self.debug_soak = await self.debug(probe)  # the loop lag during the soak
            busy_after = await self.quiesce(probe, 30)
            # the runs' retention, then the tasks and memory they leave
            await asyncio.sleep(args.retention + 2)
            self.debug_after = await self.debug(probe)
        return self.report(elapsed, busy_after)

    # -- the report --

    def report(self, elapsed: float, settled: list[dict[str, Any]]) -> int:
        s = self.stats
        print()
        print("=" * 78)
        print(
            f"SOAK {self.tag}: {elapsed:.0f} s, {self.args.principals} principals x "
            f"{self.args.workers} workers, lease {self.args.lease:g} s, Redis cut under "
            f"{self.args.cut_replica.upper()} for {self.args.cut_seconds:g} s"
        )
        print("=" * 78)

        statuses = sorted({status for _, status in s.requests}, key=lambda x: (len(x), x))
        labels = sorted({label for label, _ in s.requests})
        width = max([len(label) for label in labels] + [20])
        print("\nRequests by endpoint and status")
        print(f"  {'endpoint':<{width}} " + " ".join(f"{st:>6}" for st in statuses) + "   total")
        for label in labels:
            row = [s.requests[(label, st)] for st in statuses]
            cells = " ".join(f"{n or '':>6}" for n in row)
            print(f"  {label:<{width}} {cells}   {sum(row):>5}")
        total = sum(s.requests.values())
        print(
            f"  {'all':<{width}} "
            + " ".join(
                f"{sum(n for (_, st), n in s.requests.items() if st == status):>6}"
                for status in statuses
            )
            + f"   {total:>5}   ({total / max(elapsed, 1):.0f}/s)"
        )

        print("\nActions")
        for name, n in sorted(s.actions.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<24} {n:>6}")
        print("\nChecked")
        for name, n in sorted(s.info.items()):
            print(f"  {name:<40} {n:>8}")
        print("\nExpected under the cut (not failures)")
        if not s.expected:
            print("  none")
        for name, n in sorted(s.expected.items()):
            print(f"  {name:<60} {n:>6}")

        print("\nReplicas (after a warm-up -> after the soak, runs retained expired)")
        for name, before, after, soak in zip(
            "AB", self.debug_before, self.debug_after, self.debug_soak, strict=True
        ):
            print(
                f"  {name}: tasks {before['tasks']} -> {after['tasks']}, "
                f"RSS {before['rss_kib'] / 1024:.1f} -> {after['rss_kib'] / 1024:.1f} MiB "
                f"(peak {after['peak_rss_kib'] / 1024:.1f}), runs kept {after['runs_kept']}, "
                f"active {after['active_runs']}, publishers {after['publishers']}, "
                f"open streams {after['open_streams']}"
            )
            print(
                f"     event loop during the soak: worst lag {soak['max_loop_lag_s'] * 1000:.0f} "
                f"ms, wake-ups late by {soak['late_wakeups'] or 'nothing over 0.1 s'}"
            )
            extra = collections.Counter(after["task_names"])
            extra.subtract(before["task_names"])
            grown = {k: v for k, v in extra.items() if v}
            if grown:
                print(f"     task difference by coroutine: {grown}")

        leaked_tasks = sum(
            max(0, after["tasks"] - before["tasks"])
            for before, after in zip(self.debug_before, self.debug_after, strict=True)
        )
        leftovers = sum(
            d["active_runs"] + d["publishers"] + d["open_streams"] + d["runs_kept"]
            for d in self.debug_after
        )
        unsettled = sum(d["active_runs"] + d["publishers"] + d["open_streams"] for d in settled)
        logs = self.scan_logs()

        five = sum(n for kind, n in s.failures.items() if kind.startswith("5xx"))
        no_done = s.failures["stream ended without done"] + s.failures["replay without done"]
        cross = s.failures["cross-principal leak"]
        goals = [
            ("requests", total, None),
            ("5xx (503 under the cut excluded)", five, 0),
            ("lost frames on resume", s.lost_frames, 0),
            ("duplicated frames on resume", s.duplicate_frames, 0),
            (
                "runs whose frames differ from a replay",
                s.failures["client view differs from the replay"],
                0,
            ),
            ("streams ended without done", no_done, 0),
            ("cross-principal leaks", cross, 0),
            ("hangs (an action over 120 s)", s.failures["hang"], 0),
            ("leaked asyncio tasks", leaked_tasks, 0),
            ("runs/streams/publishers left at the end", leftovers + unsettled, 0),
            ("errors in the replicas' logs (uvicorn ERROR)", logs["exceptions"], 0),
            ("tracebacks in the replicas' logs", logs["tracebacks"], None),
            (
                "other failures",
                sum(s.failures.values())
                - five
                - no_done
                - cross
                - s.failures["hang"]
                - s.failures["client view differs from the replay"]
                - s.failures["lost frames on resume"]
                - s.failures["duplicated frames on resume"],
                0,
            ),
        ]
        print("\nGoals")
        ok = True
        for name, value, goal in goals:
            verdict = "" if goal is None else ("ok" if value <= goal else "FAIL")
            ok = ok and (goal is None or value <= goal)
            print(f"  {name:<46} {value:>8}  {'' if goal is None else f'goal {goal}':<7} {verdict}")

        if s.failures:
            print("\nFailures")
            for kind, n in sorted(s.failures.items(), key=lambda kv: -kv[1]):
                print(f"  {kind}: {n}")
                for example in s.examples.get(kind, []):
                    print(f"      {example}")
        if logs["lines"]:
            print("\nReplica log lines (WARNING and above, by message)")
            for line, n in logs["lines"].most_common(12):
                print(f"  {n:>5}  {line}")
        print(f"\n{'PASS' if ok else 'FAIL'} on {source_version()} (logs: {self.logs})")
        return 0 if ok else 1

    def scan_logs(self) -> dict[str, Any]:
        lines: collections.Counter[str] = collections.Counter()
        exceptions = tracebacks = 0
        for server in self.servers:
            text = server.log_text()
            exceptions += len(re.findall(r"^ERROR", text, flags=re.M))  # uvicorn's own
            tracebacks += text.count("Traceback (most recent call last)")
            for line in text.splitlines():
                if not line or line.startswith((" ", "Traceback", "During handling")):
                    continue
                if re.match(r"^\w+(\.\w+)*(Error|Exception|Timeout)\b", line):
                    continue  # the last line of a traceback
                line = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", line)
                line = re.sub(r"\(.*\)", "(...)", line)
                lines[line[:120]] += 1
        return {"exceptions": exceptions, "tracebacks": tracebacks, "lines": lines}


def source_version() -> str:
    """The commit the library is at, and whether src/ has changes not committed."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "an unknown commit"
    return f"{head or '?'}{' + uncommitted changes in src/' if dirty else ''}"


def tail(frames: list[dict[str, Any]], n: int = 3) -> str:
    """The last frames, short."""
    return str(
        [(f["seq"], f["type"], f.get("status") or f.get("error") or "") for f in frames[-n:]]
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=240, help="seconds of soak (240)")
    parser.add_argument("--principals", type=int, default=12, help="principals, one key each")
    parser.add_argument("--workers", type=int, default=2, help="concurrent clients per principal")
    parser.add_argument("--think", type=float, default=0.3, help="most seconds between actions")
    parser.add_argument("--cut-at", type=float, default=0.5, help="when to cut, as a fraction")
    parser.add_argument("--cut-seconds", type=float, default=2.0, help="how long Redis is cut")
    parser.add_argument("--cut-replica", choices=("a", "b", "both"), default="a")
    parser.add_argument("--lease", type=float, default=5.0, help="the broker's lease, seconds")
    parser.add_argument("--retention", type=float, default=30.0, help="run_retention, seconds")
    parser.add_argument("--seed", default="soak", help="seed of the clients' choices")
    parser.add_argument(
        "--actions",
        type=lambda text: text.split(","),
        help=f"only these client actions, comma-separated: {','.join(Client.ACTIONS)}",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the threads in PostgreSQL")
    parser.add_argument("--keep-logs", action="store_true", help="keep the logs on success")
    args = parser.parse_args(argv)
    unknown = set(args.actions or ()) - set(Client.ACTIONS)
    if unknown:
        parser.error(f"unknown actions: {', '.join(sorted(unknown))}")
    return args


async def main(args: argparse.Namespace) -> int:
    for url in (POSTGRES, REDIS):
        parts = urlsplit(url)
        if not reachable(parts.port or 0, parts.hostname or "127.0.0.1"):
            print(f"{url} is not reachable", file=sys.stderr)
            return 2
    soak = Soak(args)
    code = 2
    try:
        async with asyncio.timeout(args.duration + 300):
            code = await soak.run()
    except TimeoutError:
        print("the soak itself overran its time; stopping", file=sys.stderr)
    finally:
        stop_servers(soak.servers)
        soak.proxies.close()
        await soak.cleanup()
        if code == 0 and not args.keep_logs:
            shutil.rmtree(soak.logs, ignore_errors=True)
    return code


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(asyncio.run(main(parse_args())))

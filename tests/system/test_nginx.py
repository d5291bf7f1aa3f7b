"""Streams through a real nginx (Debian's), started by each test on a free port in
front of uvicorn: nginx's defaults (proxy buffering on, HTTP/1.0 to the app), gzip
on for `text/event-stream`, a read timeout shorter than a quiet node, and the
config of docs/deploy.md. The timings in docs/deploy.md are what these tests print
(`pytest -s`).

Skipped where nginx is not installed, unless `LANGGRAPH_SSE_REQUIRE_NGINX=1`.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from pydantic import Field

from langgraph_sse import make_asgi_app, make_router
from langgraph_sse.http import sse
from tests.conftest import Serve
from tests.graphs import LoopProbe, State, slow_graph
from tests.servers import free_port, reachable

NGINX = shutil.which("nginx") or next(
    (path for path in ["/usr/sbin/nginx"] if os.access(path, os.X_OK)), None
)
if NGINX is None:
    if os.environ.get("LANGGRAPH_SSE_REQUIRE_NGINX") == "1":
        pytest.fail("nginx is not installed (LANGGRAPH_SSE_REQUIRE_NGINX=1)", pytrace=False)
    pytest.skip("nginx is not installed (apt-get install nginx-light)", allow_module_level=True)

DOC = Path(__file__).parents[2] / "docs" / "deploy.md"
TOKENS = [f"t{i} " for i in range(8)]
DELAY = 0.2
"""Seconds between two tokens: the model produces the last one 1.4 s after the first."""
GZIP = "gzip on; gzip_types text/event-stream;"


class SlowModel(GenericFakeChatModel):
    """Streams `TOKENS`, `DELAY` seconds apart, noting when it produces each one."""

    messages: Any = iter(())
    produced: list[float] = Field(default_factory=list)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for i, token in enumerate(TOKENS):
            if i:
                await asyncio.sleep(DELAY)
            self.produced.append(time.monotonic())
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token, id="msg-1"))
            if run_manager:
                await run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk


def slow_tokens_graph(model: SlowModel) -> Any:
    async def agent(state: State) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile(checkpointer=InMemorySaver())


@asynccontextmanager
async def nginx(server: str, http: str = "") -> AsyncIterator[str]:
    """nginx on a free port of 127.0.0.1 with `server` inside its `server` block and
    `http` inside its `http` block; gives its base URL. Killed at the end."""
    with tempfile.TemporaryDirectory(prefix="langgraph-sse-nginx-") as prefix:
        port = free_port()
        temp = "\n".join(
            f"{kind}_temp_path {prefix}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        conf = Path(prefix, "nginx.conf")
        conf.write_text(
            f"""
master_process off;  # one process: the one this test starts and kills
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temp}
    {http}
    server {{
        listen 127.0.0.1:{port};
        {server}
    }}
}}
"""
        )
        process = subprocess.Popen(
            [
                *(NGINX or "nginx", "-c", str(conf), "-p", prefix, "-e", f"{prefix}/error.log"),
                *("-g", f"daemon off; pid {prefix}/nginx.pid;"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 10
            while not reachable(port):
                if process.poll() is not None:
                    stderr = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"nginx exited: {stderr}")
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not listen within 10 s")
                await asyncio.sleep(0.02)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.kill()
            process.wait(5)
            if process.stderr is not None:
                process.stderr.close()


def plain(upstream: str, extra: str = "") -> str:
    """A plain `proxy_pass` location: nginx's defaults, buffering on."""
    return f"location / {{ proxy_pass {upstream}; {extra} }}"


@dataclass
class Read:
    """One stream as a client saw it."""

    headers: httpx.Headers
    arrived: list[float] = field(default_factory=list)
    """When each token frame reached the client."""
    events: list[str] = field(default_factory=list)
    """The `event:` of every frame, in order."""
    ids: list[str] = field(default_factory=list)
    """The `id:` of every frame, in order."""
    comments: int = 0
    """Keep-alive comments seen."""
    cut: bool = False
    """Whether the body ended before its end (an incomplete chunked body)."""


async def read_stream(
    base: str, method: str = "POST", path: str = "/stream", **kwargs: Any
) -> Read:
    """Read one stream, noting when each frame arrives: frames are split on blank
    lines as the bytes come, so a frame counts the moment its last byte is read."""
    async with (
        httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10)) as client,
        client.stream(method, path, **kwargs) as response,
    ):
        assert response.status_code == 200, await response.aread()
        read = Read(response.headers)
        buffer = ""
        try:
            async for text in response.aiter_text():
                now = time.monotonic()
                buffer += text
                *frames, buffer = buffer.split("\n\n")
                for frame in frames:
                    if frame.startswith(":"):
                        read.comments += 1
                        continue
                    fields = dict(line.split(": ", 1) for line in frame.split("\n"))
                    read.events.append(fields["event"])
                    read.ids.append(fields["id"])
                    if fields["event"] == "token":
                        read.arrived.append(now)
        except httpx.RemoteProtocolError:  # nginx cutting a timed-out stream
            read.cut = True
        return read


def spread(times: list[float]) -> float:
    return times[-1] - times[0]


def report(label: str, read: Read, model: SlowModel) -> None:
    lag = max(a - p for a, p in zip(read.arrived, model.produced, strict=True))
    print(
        f"\n{label}: first to last token {spread(read.arrived):.3f} s at the client "
        f"({spread(model.produced):.3f} s at the model), worst lag {lag * 1000:.0f} ms, "
        f"Content-Encoding: {read.headers.get('content-encoding')}"
    )


def assert_streamed(read: Read, model: SlowModel) -> None:
    assert read.events[0] == "metadata" and read.events[-1] == "done"
    assert len(read.arrived) == len(TOKENS) == len(model.produced)
    # The first token reaches the client long before the model produces the last
    # one (1.4 s after the first), so nothing holds tokens until the run ends,
    assert read.arrived[0] < model.produced[-1] - 0.7
    # and they arrive spread out as they were produced, not in one burst.
    assert spread(read.arrived) > 0.5 * spread(model.produced)


async def timed_run(
    serve: Serve, server: str | None = None, http: str = "", encoding: str = "identity"
) -> tuple[Read, SlowModel]:
    """One run of the slow-token graph: direct, or through nginx with `server`
    (`{upstream}` in it is the app's URL) and `http`."""
    model = SlowModel()
    upstream = await serve(make_asgi_app(slow_tokens_graph(model)))
    request: dict[str, Any] = {"json": {"message": "hi"}, "headers": {"Accept-Encoding": encoding}}
    if server is None:
        return await read_stream(upstream, **request), model
    async with nginx(server.replace("{upstream}", upstream), http) as proxy:
        return await read_stream(proxy, **request), model


async def test_default_nginx_passes_tokens_one_at_a_time(serve: Serve) -> None:
    """A plain `proxy_pass`, buffering on (nginx's default): tokens arrive as the
    model produces them, as they do straight from uvicorn."""
    direct, model = await timed_run(serve)
    report("direct", direct, model)
    assert_streamed(direct, model)
    assert direct.headers["x-accel-buffering"] == "no"

    proxied, model = await timed_run(serve, plain("{upstream}"))
    report("nginx, plain proxy_pass", proxied, model)
    assert_streamed(proxied, model)
    assert "x-accel-buffering" not in proxied.headers  # nginx acted on it


async def test_gzip_does_not_hold_tokens_back(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gzip on; gzip_types text/event-stream;`: nginx compresses the stream and still
    passes each token on at once, because `X-Accel-Buffering: no` makes the response
    unbuffered and nginx flushes the compressor at every write; with that header
    ignored, gzip holds every token until the run ends, `Cache-Control: no-transform`
    or not."""
    read, model = await timed_run(serve, plain("{upstream}"), http=GZIP, encoding="gzip")
    report("nginx, gzip on", read, model)
    assert read.headers["content-encoding"] == "gzip"
    assert_streamed(read, model)

    ignored = plain("{upstream}", "proxy_ignore_headers X-Accel-Buffering;")
    # Buffered without gzip: printed for docs/deploy.md, not asserted (nginx 1.22
    # passes on what it has read while the client keeps up; other versions may not).
    buffered, model = await timed_run(serve, ignored)
    report("nginx, X-Accel-Buffering ignored, no gzip", buffered, model)
    assert buffered.events[-1] == "done"

    no_transform = {**sse.SSE_HEADERS, "Cache-Control": "no-cache, no-transform"}
    monkeypatch.setattr(sse, "SSE_HEADERS", no_transform)
    held, model = await timed_run(serve, ignored, http=GZIP, encoding="gzip")
    assert held.headers["cache-control"] == "no-cache, no-transform"
    assert held.headers["content-encoding"] == "gzip"  # nginx ignores no-transform
    report("nginx, gzip on, X-Accel-Buffering ignored", held, model)
    assert held.events[-1] == "done"
    assert held.arrived[0] > model.produced[-1]  # every token after the last was produced
    assert spread(held.arrived) < 0.1


async def test_pings_outlive_a_shorter_read_timeout(serve: Serve) -> None:
    """A node quiet for 3 s behind `proxy_read_timeout 1s`: pings every 0.3 s keep the
    stream open to its `done`; without pings nginx cuts it after 1 s."""
    for ping_interval, finishes in ((0.3, True), (0.0, False)):
        app = make_asgi_app(slow_graph(LoopProbe(), 3.0), ping_interval=ping_interval)
        upstream = await serve(app)
        async with nginx(plain(upstream, "proxy_read_timeout 1s;")) as proxy:
            started = time.monotonic()
            read = await read_stream(proxy, json={"message": "hi"})
            elapsed = time.monotonic() - started
        print(
            f"\nping_interval={ping_interval}: {read.events}, {read.comments} pings, {elapsed:.2f} s"
        )
        if finishes:
            assert read.events == ["metadata", "done"] and not read.cut
            assert read.comments >= 5
            assert elapsed >= 3
        else:
            assert read.events == ["metadata"] and read.cut  # cut: no done
            assert elapsed < 2.5


async def test_the_documented_config(serve: Serve) -> None:
    """docs/deploy.md's `location` block, verbatim, with gzip on: tokens one at a
    time, the app's CORS headers (preflight included) once each, and a resume with
    `Last-Event-ID` that gets exactly the frames after it."""
    location = re.search(r"\n    (location /v1/ \{.*?\n    \})", DOC.read_text(), re.S)
    assert location is not None, "docs/deploy.md lost its location block"
    model = SlowModel()
    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://app.example.com"],
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Last-Event-ID"],
        expose_headers=["X-Run-Id"],
    )
    app.include_router(make_router(slow_tokens_graph(model), prefix="/v1"))
    upstream = (await serve(app)).removeprefix("http://")
    server = f"upstream langgraph_sse {{ server {upstream}; keepalive 16; }}"
    origin = {"Origin": "https://app.example.com"}
    async with nginx(location[1], http=f"{GZIP}\n{server}") as proxy:
        async with httpx.AsyncClient(base_url=proxy) as client:
            preflight = await client.options(
                "/v1/stream",
                headers={
                    **origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type,last-event-id",
                },
            )
        assert preflight.status_code == 200
        assert preflight.headers.get_list("access-control-allow-origin") == [origin["Origin"]]

        read = await read_stream(
            proxy, path="/v1/stream", json={"message": "hi"},
            headers={**origin, "Accept-Encoding": "gzip"},
        )  # fmt: skip
        report("nginx, the documented config, gzip on", read, model)
        assert_streamed(read, model)
        assert read.headers.get_list("access-control-allow-origin") == [origin["Origin"]]
        assert read.headers["access-control-expose-headers"] == "X-Run-Id"

        run_id = read.headers["x-run-id"]
        resumed = await read_stream(
            proxy, "GET", f"/v1/runs/{run_id}/stream", headers={"Last-Event-ID": "3"}
        )
        assert resumed.ids == read.ids[4:]
        assert resumed.events == read.events[4:]

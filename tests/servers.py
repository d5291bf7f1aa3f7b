"""Real servers for the system tests: an app served by uvicorn in a subprocess,
and the PostgreSQL and Redis this machine may run.

`tests/conftest.py` makes `launch` and `wait_healthy` the `spawn` fixture.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
"""The project's root: uvicorn runs there, so `tests.crash_app:app` imports."""

POSTGRES = os.environ.get(
    "LANGGRAPH_SSE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS = os.environ.get("LANGGRAPH_SSE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def reachable(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on `host:port`."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


needs_postgres = pytest.mark.skipif(
    not reachable(5432), reason="PostgreSQL is not running on 127.0.0.1:5432"
)
needs_redis = pytest.mark.skipif(
    not reachable(6379), reason="Redis is not running on 127.0.0.1:6379"
)


@dataclass
class Server:
    """An app served by uvicorn in a subprocess."""

    url: str
    """Its base URL, `http://127.0.0.1:<port>`."""
    process: subprocess.Popen[bytes]
    """The uvicorn process (signal it, wait for it, read its pid)."""
    log: Path
    """The file uvicorn's stdout and stderr go to."""

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def launch(app: str, log: Path, env: dict[str, str] | None = None) -> Server:
    """Start `uvicorn <app>` on 127.0.0.1 (a free port) with `env` added to this
    process's environment; its output goes to `log`. Not waited for: `wait_healthy`."""
    port = free_port()
    # Keep this process's PYTHONPATH (a worktree's `src` before an installed copy)
    # and add the root, so `tests.*` imports whatever the working directory.
    pythonpath = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)]))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", app),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": pythonpath, **(env or {})},
        )
    return Server(f"http://127.0.0.1:{port}", process, log)


async def wait_healthy(server: Server, health: str = "/healthz", timeout: float = 30.0) -> None:
    """Wait until `GET <health>` answers 200; fail with the server's log if it
    exits first or is not healthy within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=server.url, timeout=1) as client:
        while True:
            if server.process.poll() is not None:
                pytest.fail(
                    f"the server exited with {server.process.returncode}:\n{server.log_text()}"
                )
            try:
                if (await client.get(health)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the server did not answer 200 on {health} within {timeout} s:\n"
                    f"{server.log_text()}"
                )
            await asyncio.sleep(0.05)


def stop_servers(servers: list[Server], timeout: float = 10.0) -> None:
    """Stop every server still running: SIGTERM, then SIGKILL after `timeout` seconds."""
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout)

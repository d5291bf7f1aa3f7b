"""A uvicorn process serving one of the benchmarked apps on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

UVICORN_FLAGS = [
    "--log-level",
    "warning",
    "--http",
    "httptools",
    "--loop",
    "asyncio",
    "--limit-concurrency",
    "5000",
    "--backlog",
    "4096",
    # Client workers keep their connections between rounds; uvicorn's default 5 s
    # would close them in between, and a request racing that close fails.
    "--timeout-keep-alive",
    "600",
]
"""How every benchmarked uvicorn runs: httptools, the asyncio loop (the floor's),
room for thousands of streams, keep-alive that outlives the rounds."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """uvicorn (httptools parser, asyncio loop: the floor's loop) serving `target`.

    Args:
        target: The app, as uvicorn takes it (`benchmarks.apps:lib`).
        prefix: A command the server runs under, e.g. valgrind's.
        quiet: Discard what the process writes to stderr.
    """

    def __init__(self, target: str, *, prefix: Sequence[str] = (), quiet: bool = False) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                *prefix,
                sys.executable,
                "-m",
                "uvicorn",
                target,
                "--port",
                str(self.port),
                *UVICORN_FLAGS,
            ],
            cwd=ROOT,
            stderr=subprocess.DEVNULL if quiet else None,
        )

    def wait(self, timeout: float = 60) -> None:
        """Return once `GET /healthz` answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

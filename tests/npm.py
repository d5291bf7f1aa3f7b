"""npm packages for tests that drive our servers with a JavaScript client.

`node_modules(package_json)` installs the dependencies that `package_json` lists
into a cache outside the repository, once per distinct `package.json`, and
returns that `node_modules` folder. `run_node(script, ...)` runs a Node script
so that its imports (ESM or CommonJS) resolve from that cache; `arun_node` is
the same for async tests, which must not block the event loop (a server that
`tests/conftest.py`'s ``serve`` runs in this process serves on that loop).

Where `node` or `npm` is missing, or the install fails (no network), the
calling test is skipped with a one-line reason, unless
``LANGGRAPH_SSE_REQUIRE_NODE=1`` is set, when it fails instead.

The cache is ``$LANGGRAPH_SSE_NPM_CACHE`` if set, else
``$XDG_CACHE_HOME/langgraph-sse/npm`` (``~/.cache/langgraph-sse/npm``), with one
folder per SHA-256 of the ``package.json`` bytes. Installs are serialised by an
``flock`` on a lock file beside that folder and published by an atomic rename,
so concurrent pytest processes (xdist workers, parallel runs) share one install.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

INSTALL_TIMEOUT = 600.0
"""Seconds `npm install` may take before the install counts as failed."""

_MARKER = ".langgraph-sse-installed"
"""Written last inside a finished install: its presence means the folder is whole."""


def _unavailable(reason: str) -> NoReturn:
    """Skip the calling test, or fail it where Node is required."""
    if os.environ.get("LANGGRAPH_SSE_REQUIRE_NODE") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def cache_root() -> Path:
    """The folder holding one install per distinct ``package.json``."""
    configured = os.environ.get("LANGGRAPH_SSE_NPM_CACHE")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "langgraph-sse" / "npm"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        _unavailable(f"{name} is not installed (needed for the JavaScript client tests)")
    return found


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _npm_error(result: subprocess.CompletedProcess[str]) -> str:
    """The gist of a failed npm command's stderr, on one line."""
    lines = []
    for line in result.stderr.splitlines():
        text = line.removeprefix("npm error").removeprefix("npm ERR!").strip()
        if text and "complete log of this run" not in text and not text.startswith("syscall"):
            lines.append(text)
    gist = "; ".join(lines[:3]) or f"exit code {result.returncode}"
    return gist if len(gist) <= 240 else gist[:237] + "..."


def install_dir(package_json: Path) -> Path:
    """Where the install for `package_json` lives (whether made yet or not)."""
    digest = hashlib.sha256(package_json.read_bytes()).hexdigest()[:16]
    return cache_root() / digest


def node_modules(package_json: Path) -> Path:
    """The ``node_modules`` folder holding `package_json`'s dependencies.

    Installs them first if this cache has no finished install for this exact
    ``package.json``; skips the calling test if that is impossible.
    """
    package_json = package_json.resolve()
    target = install_dir(package_json)
    done = target / _MARKER
    if done.is_file():
        return target / "node_modules"
    _tool("node")
    npm = _tool("npm")
    with _locked(target.with_name(target.name + ".lock")):
        if done.is_file():  # another process finished it while we waited
            return target / "node_modules"
        staging = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
        try:
            staging.chmod(0o755)  # mkdtemp makes it private; the cache may be shared
            shutil.copyfile(package_json, staging / "package.json")
            try:
                result = subprocess.run(
                    [
                        npm,
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--no-update-notifier",
                        "--fetch-retries=1",
                        "--fetch-timeout=60000",
                    ],
                    cwd=staging,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=INSTALL_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                _unavailable(f"npm install timed out after {INSTALL_TIMEOUT:.0f}s (offline?)")
            if result.returncode != 0:
                _unavailable(f"npm install failed (offline?): {_npm_error(result)}")
            (staging / _MARKER).write_text("ok\n")
            if target.exists():  # a half-made folder from an interrupted run
                shutil.rmtree(target)
            os.rename(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return target / "node_modules"


@dataclass(frozen=True)
class NodeRun:
    """One finished run of a Node script."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def _prepare(
    script: Path, args: Sequence[str], package_json: Path | None, env: Mapping[str, str] | None
) -> tuple[Path, list[str], dict[str, str]]:
    """Install, copy the script's folder into a fresh run folder, and build the
    command and environment. Returns (run folder, command, environment)."""
    script = script.resolve()
    modules = node_modules(package_json or script.parent / "package.json")
    node = _tool("node")
    runs = modules.parent / "runs"
    runs.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=runs))
    for source in script.parent.iterdir():
        if source.is_file() and source.suffix in {".mjs", ".js", ".cjs", ".json"}:
            shutil.copyfile(source, workdir / source.name)
    child_env = {**os.environ, **(env or {}), "NODE_PATH": str(modules)}
    return workdir, [node, str(workdir / script.name), *args], child_env


def run_node(
    script: Path,
    *args: str,
    package_json: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """Run the Node script `script` with `args`; return its finished process.

    Its dependencies come from `package_json` (by default the ``package.json``
    beside `script`), installed with `node_modules`. Node resolves ESM imports
    from the importing file's folder upwards and ignores ``NODE_PATH`` for them,
    so the script's folder (its ``.mjs``/``.js``/``.cjs``/``.json`` files) is
    copied into a fresh folder inside the install, and run from there, with
    ``NODE_PATH`` also set for CommonJS ``require``. `env` is added to this
    process's environment. Never raises for a non-zero exit: check
    ``returncode``; raises `subprocess.TimeoutExpired` after `timeout` seconds.
    """
    workdir, command, child_env = _prepare(script, args, package_json, env)
    try:
        return subprocess.run(
            command,
            cwd=workdir,
            env=child_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def arun_node(
    script: Path,
    *args: str,
    package_json: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> NodeRun:
    """`run_node` for async tests: the install runs in a worker thread and the
    script as an asyncio subprocess, so the event loop keeps serving meanwhile.
    Raises `TimeoutError` (after killing the script) after `timeout` seconds."""
    workdir, command, child_env = await asyncio.to_thread(_prepare, script, args, package_json, env)
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=workdir,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        assert process.returncode is not None
        return NodeRun(
            args=command,
            returncode=process.returncode,
            stdout=out.decode("utf-8", "replace"),
            stderr=err.decode("utf-8", "replace"),
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

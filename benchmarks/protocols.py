"""The protocols section: `python -m benchmarks --protocols` (and part of the full run).

Each wire protocol of this library serves the benchmark graph (benchmarks.graph,
`messages` mode, 1,000 tokens on one stream) beside the peer that speaks the same
protocol, in the same interleaved rounds as the floor (the graph in process):

| row | server | client |
| --- | --- | --- |
| native | `make_asgi_app(graph)` | httpx + httpx-sse |
| LangServe | `add_routes(app, graph)` (PyPI `langserve[server]`) in uvicorn, `POST /graph/stream_events` | httpx + httpx-sse |
| langgraph | `protocol=LangGraphProtocol(...)` | `langgraph_sdk`: `runs.stream(None, ...)`, `messages-tuple` |
| `langgraph dev` | the LangGraph Platform dev server (PyPI `langgraph-cli[inmem]`) | the same |
| ai-sdk | `protocol="ai-sdk"` | httpx + httpx-sse |
| ag-ui | `protocol="ag-ui"` | httpx + httpx-sse |
| ag-ui-langgraph | `add_langgraph_fastapi_endpoint` (PyPI `ag-ui-langgraph`) in uvicorn | the same |

LangServe speaks a protocol of its own, so its row sits beside native. Of its two
streaming endpoints only `stream_events` (`astream_events` v2) carries the tokens,
as `on_chat_model_stream` events; `stream` sends what the graph's `astream` yields
in its default mode, one update per node (here one frame with the whole reply).

The peers run from venvs of their own outside the repository
(`~/.cache/langgraph-sse/peers/<peer>`, or `$LANGGRAPH_SSE_PEERS/<peer>`), made
with `python -m venv` + pip on first use, with this venv's langgraph and
langchain-core pinned when pip can (so the graph runs on the same LangGraph).
A peer that cannot be installed or started is left out with a one-line reason.

The count of a reply's tokens comes from its prompt (benchmarks.graph: a chat
protocol sends only messages, so the user message is "1000" or "3"), every
request runs on a new thread, and every graph, ours and the peers', has an
in-memory checkpointer (`langgraph dev` and ag-ui-langgraph need one; LangServe,
which drops a client's `thread_id`, gives each request a new one in its
`per_req_config_modifier`). Every client parses every frame's
JSON, as a real client does. Bytes are the response body as the client reads it
(no headers), by httpx for every server, the LangGraph ones with the body the
SDK sends.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import httpx
from benchmarks.servers import ROOT, Server
from benchmarks.stats import cpu_seconds, median
from httpx_sse import aconnect_sse
from langgraph_sdk import get_client

PEERS_DIR = Path(
    os.environ.get("LANGGRAPH_SSE_PEERS", Path.home() / ".cache" / "langgraph-sse" / "peers")
)
TOKENS = 1000
SHORT = 3  # the reply whose bytes are counted


class FloorLike(Protocol):
    process: subprocess.Popen[str]

    def ask(self, **request: Any) -> dict[str, float]: ...


# ---------------------------------------------------------------- peers' venvs


def _pins() -> list[str]:
    return [f"langgraph=={version('langgraph')}", f"langchain-core=={version('langchain-core')}"]


PEER_PACKAGES = {
    "langgraph-dev": (["langgraph-cli[inmem]"], ["langgraph-cli", "langgraph-api"]),
    "ag-ui-langgraph": (
        ["ag-ui-langgraph", "fastapi", "uvicorn", "httptools"],
        ["ag-ui-langgraph", "ag-ui-protocol"],
    ),
    # LangServe does not depend on LangGraph: the graph needs it installed beside it.
    "langserve": (
        ["langserve[server]", "langgraph", "uvicorn", "httptools"],
        ["langserve", "fastapi", "sse-starlette"],
    ),
}


def peer_venv(name: str, log: Callable[[str], None]) -> tuple[Path | None, str]:
    """The Python of peer `name`'s venv, made on first use, and its versions line;
    `(None, reason)` when it cannot be installed."""
    venv = PEERS_DIR / name
    python = venv / "bin" / "python"
    marker = venv / ".langgraph-sse-installed"
    packages, shown = PEER_PACKAGES[name]
    if not marker.exists():
        log(f"installing {name} into {venv} (first use; a few minutes)")
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True
        )
        if made.returncode:
            return None, f"python -m venv failed: {_last_line(made.stderr)}"
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        installed = None
        for extra in (_pins(), []):  # this venv's LangGraph if pip can, else the peer's own
            try:
                installed = subprocess.run(
                    [*pip, *packages, *extra], capture_output=True, text=True, timeout=1200
                )
            except subprocess.TimeoutExpired:
                return None, "pip install timed out after 20 minutes"
            if installed.returncode == 0:
                break
        assert installed is not None
        if installed.returncode:
            return None, f"pip install {' '.join(packages)} failed: {_last_line(installed.stderr)}"
        marker.write_text("ok\n")
    query = subprocess.run(
        [
            str(python),
            "-c",
            "import sys; from importlib.metadata import version as v; "
            "print(', '.join(f'{p} {v(p)}' for p in sys.argv[1:]))",
            *shown,
            "langgraph",
            "langchain-core",
        ],
        capture_output=True,
        text=True,
    )
    if query.returncode:
        return None, f"its venv is broken ({_last_line(query.stderr)}); delete {venv}"
    return python, query.stdout.strip()


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if not line.startswith("WARNING")]
    return lines[-1][:200] if lines else "no output"


# ---------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by `pid` and its descendants."""
    total = 0.0
    for each in _tree(pid):
        try:
            total += cpu_seconds(each)
        except FileNotFoundError:
            continue
    return total


class Peer:
    """A peer's server process, started by `command`, ready when `GET {probe}` answers 200."""

    def __init__(
        self, command: list[str], port: int, probe: str, cwd: Path, env: dict[str, str]
    ) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.probe = probe
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - open for the process's life
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stop() ends its workers too
        )

    def wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.base}{self.probe}").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.log.seek(0)
        tail = self.log.read().decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"did not start: {tail[0][:200]}")

    def logged(self, key: str) -> list[float]:
        """The values of `key=` in what the process logged (colours stripped)."""
        self.log.seek(0)
        text = re.sub(r"\x1b\[[0-9;]*m", "", self.log.read().decode(errors="replace"))
        return [float(value) for value in re.findall(rf"\b{key}=(\d+(?:\.\d+)?)", text)]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        self.log.close()


def start_langgraph_dev(python: Path, workdir: Path) -> Peer:
    """`langgraph dev` serving benchmarks/graph.py's `graph` as the assistant `agent`."""
    config = {
        "dependencies": ["."],
        "graphs": {"agent": str(ROOT / "benchmarks" / "graph.py") + ":graph"},
    }
    (workdir / "langgraph.json").write_text(json.dumps(config))
    port = _free_port()
    command = [str(python.parent / "langgraph"), "dev", "--no-browser", "--no-reload"]
    command += ["--port", str(port), "--host", "127.0.0.1", "--config", "langgraph.json"]
    env = {"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"}
    env |= {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGSMITH_API_KEY": "", "PYTHONPATH": ""}
    return Peer(command, port, "/ok", workdir, env)


AGUI_PEER_APP = '''"""ag-ui-langgraph serving the benchmark graph (written by benchmarks.protocols)."""
import gc

from ag_ui_langgraph import LangGraphAgent, add_langgraph_fastapi_endpoint
from benchmarks.graph import build_graph
from fastapi import FastAPI
from langgraph.checkpoint.memory import InMemorySaver

app = FastAPI()
agent = LangGraphAgent(name="agent", graph=build_graph(InMemorySaver()))
add_langgraph_fastapi_endpoint(app, agent, "/")


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


gc.collect()
gc.freeze()  # as every benchmarked process does
'''


def _uvicorn_peer(
    python: Path, workdir: Path, module: str, source: str, env: dict[str, str] | None = None
) -> Peer:
    """The app in `source`, written to `workdir/<module>.py`, served by uvicorn in
    the peer's venv, set up as ours are."""
    (workdir / f"{module}.py").write_text(source)
    port = _free_port()
    command = [str(python), "-m", "uvicorn", f"{module}:app", "--app-dir", str(workdir)]
    command += ["--port", str(port), "--log-level", "warning"]
    command += ["--http", "httptools", "--loop", "asyncio"]
    return Peer(command, port, "/healthz", ROOT, {"PYTHONPATH": str(ROOT), **(env or {})})


def start_agui_peer(python: Path, workdir: Path) -> Peer:
    """ag-ui-langgraph's FastAPI endpoint at `POST /`."""
    return _uvicorn_peer(python, workdir, "agui_peer", AGUI_PEER_APP)


LANGSERVE_PEER_APP = '''"""LangServe serving the benchmark graph (written by benchmarks.protocols)."""
import gc
import uuid
from typing import Any

from benchmarks.graph import build_graph
from fastapi import FastAPI, Request
from langgraph.checkpoint.memory import InMemorySaver
from langserve import add_routes

app = FastAPI()


def new_thread(config: dict[str, Any], request: Request) -> dict[str, Any]:
    """Every request on a new thread (LangServe drops a client's `thread_id`)."""
    configurable = {**config.get("configurable", {}), "thread_id": str(uuid.uuid4())}
    return {**config, "configurable": configurable}


graph = build_graph(InMemorySaver())
add_routes(app, graph, path="/graph", per_req_config_modifier=new_thread)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


gc.collect()
gc.freeze()  # as every benchmarked process does
'''


def start_langserve_peer(python: Path, workdir: Path) -> Peer:
    """LangServe's `add_routes` at `/graph`."""
    tracing_off = {"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"}
    return _uvicorn_peer(python, workdir, "langserve_peer", LANGSERVE_PEER_APP, tracing_off)


# ---------------------------------------------------------------- clients


def _prompt(tokens: int) -> str:
    return str(tokens)  # benchmarks.graph: a numeric prompt is the reply's length


def native_request(tokens: int) -> tuple[str, dict[str, Any]]:
    body = {"input": {"messages": [{"role": "user", "content": _prompt(tokens)}]}}
    return "/stream", {**body, "stream_mode": "messages"}


def langserve_request(tokens: int) -> tuple[str, dict[str, Any]]:
    """The body LangServe's `RemoteRunnable.astream_events` sends, the message as the
    input schema's `{"type": "human"}` (LangServe validates it; `role` fails)."""
    message = {"type": "human", "content": _prompt(tokens)}
    return "/graph/stream_events", {"input": {"messages": [message]}, "config": {}, "kwargs": {}}


def langgraph_request(tokens: int) -> tuple[str, dict[str, Any]]:
    """The body `langgraph_sdk`'s `runs.stream(None, "agent", ...)` sends."""
    body = {"assistant_id": "agent", "stream_mode": ["messages-tuple"]}
    return "/runs/stream", {
        **body,
        "input": {"messages": [{"role": "user", "content": _prompt(tokens)}]},
    }


def aisdk_request(tokens: int) -> tuple[str, dict[str, Any]]:
    """The body the AI SDK's `DefaultChatTransport` sends for a new chat."""
    message = {"id": "u1", "role": "user", "parts": [{"type": "text", "text": _prompt(tokens)}]}
    return "/", {"id": str(uuid.uuid4()), "messages": [message], "trigger": "submit-message"}


def agui_request(tokens: int) -> tuple[str, dict[str, Any]]:
    """An AG-UI `RunAgentInput` on a new thread, as `HttpAgent` sends it."""
    return "/", {
        "threadId": str(uuid.uuid4()),
        "runId": str(uuid.uuid4()),
        "messages": [{"id": "u1", "role": "user", "content": _prompt(tokens)}],
        "tools": [],
        "context": [],
        "state": {},
        "forwardedProps": {},
    }


def _native_token(event: str, data: Any) -> bool:
    return event == "token"


def _langserve_token(event: str, data: Any) -> bool:
    return (
        event == "data"
        and data.get("event") == "on_chat_model_stream"
        and bool(data["data"]["chunk"].get("content"))
    )


def _langgraph_token(event: str, data: Any) -> bool:
    return event == "messages" and bool(data[0].get("content"))


def _aisdk_token(event: str, data: Any) -> bool:
    return isinstance(data, dict) and data.get("type") == "text-delta"


def _agui_token(event: str, data: Any) -> bool:
    return isinstance(data, dict) and data.get("type") == "TEXT_MESSAGE_CONTENT"


async def sse_one(
    client: httpx.AsyncClient,
    base: str,
    request: Callable[[int], tuple[str, dict[str, Any]]],
    is_token: Callable[[str, Any], bool],
    tokens: int,
) -> dict[str, float]:
    """One run over httpx + httpx-sse; every frame's JSON parsed."""
    path, body = request(tokens)
    started = time.perf_counter()
    first = None
    count = 0
    headers = {"Accept": "text/event-stream"}
    async with aconnect_sse(client, "POST", base + path, json=body, headers=headers) as source:
        source.response.raise_for_status()
        async for sse in source.aiter_sse():
            data = json.loads(sse.data) if sse.data and sse.data != "[DONE]" else None
            if is_token(sse.event, data):
                if first is None:
                    first = time.perf_counter() - started
                count += 1
    return {"seconds": time.perf_counter() - started, "events": count, "first": first or 0.0}


async def sdk_one(client: Any, tokens: int) -> dict[str, float]:
    """One stateless run with the official `langgraph_sdk` client, `messages-tuple` mode."""
    started = time.perf_counter()
    first = None
    count = 0
    async for part in client.runs.stream(
        None,
        "agent",
        input={"messages": [{"role": "user", "content": _prompt(tokens)}]},
        stream_mode="messages-tuple",
    ):
        if part.event == "error":
            raise RuntimeError(f"run failed: {part.data}")
        if _langgraph_token(part.event, part.data):
            if first is None:
                first = time.perf_counter() - started
            count += 1
    return {"seconds": time.perf_counter() - started, "events": count, "first": first or 0.0}


async def body_bytes(
    client: httpx.AsyncClient,
    base: str,
    request: Callable[[int], tuple[str, dict[str, Any]]],
    tokens: int,
) -> dict[str, int]:
    """The response body of one run as read off the socket: bytes and SSE frames."""
    path, body = request(tokens)
    raw = b""
    headers = {"Accept": "text/event-stream"}
    async with client.stream("POST", base + path, json=body, headers=headers) as response:
        response.raise_for_status()
        async for chunk in response.aiter_raw():
            raw += chunk
    frames = [f for f in raw.replace(b"\r\n", b"\n").split(b"\n\n") if f.strip()]
    return {"bytes": len(raw), "frames": len(frames)}


# ---------------------------------------------------------------- the run


class Target:
    """One row: a server, how to run one stream on it, how to ask for its bytes."""

    def __init__(
        self,
        name: str,
        protocol: str,
        server: Server | Peer,
        run: Callable[[int], Any],
        request: Callable[[int], tuple[str, dict[str, Any]]],
        client: str,
    ) -> None:
        self.name, self.protocol, self.server, self.run = name, protocol, server, run
        self.request, self.client = request, client

    def cpu(self) -> float:
        return tree_cpu(self.server.process.pid)


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base and value else "-"


async def run(
    floor: FloorLike, rounds: int, log: Callable[[str], None] = print
) -> tuple[str, float]:
    """Measure every protocol and peer; returns the Markdown section and its seconds."""
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    ours = {
        name: Server(f"benchmarks.protocol_apps:{name}")
        for name in ("native", "langgraph", "aisdk", "agui")
    }
    peers: dict[str, Peer] = {}
    skipped: list[str] = []
    notes: list[str] = []
    versions: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="langgraph-sse-bench-"))
    for name, start in (
        ("langgraph-dev", start_langgraph_dev),
        ("ag-ui-langgraph", start_agui_peer),
        ("langserve", start_langserve_peer),
    ):
        python, line = peer_venv(name, log)
        if python is None:
            skipped.append(f"{name}: not measured, {line}")
            continue
        versions.append(f"{name} venv: {line}")
        peer_dir = workdir / name
        peer_dir.mkdir()
        peers[name] = start(python, peer_dir)
    try:
        for server in ours.values():
            server.wait()
        for name, peer in list(peers.items()):
            try:
                peer.wait()
            except RuntimeError as error:
                skipped.append(f"{name}: not measured, {error}")
                peer.stop()
                del peers[name]
        async with httpx.AsyncClient(timeout=300) as client:
            sdk_ours = get_client(url=ours["langgraph"].base, api_key=None, timeout=300)
            targets = [
                Target(
                    "langgraph-sse native",
                    "native",
                    ours["native"],
                    lambda n: sse_one(
                        client, ours["native"].base, native_request, _native_token, n
                    ),
                    native_request,
                    "httpx",
                ),
            ]
            if "langserve" in peers:
                langserve = peers["langserve"].base
                targets.append(
                    Target(
                        "LangServe `stream_events` (peer)",
                        "LangServe",
                        peers["langserve"],
                        lambda n: sse_one(
                            client, langserve, langserve_request, _langserve_token, n
                        ),
                        langserve_request,
                        "httpx",
                    )
                )
            targets += [
                Target(
                    'langgraph-sse `protocol="langgraph"`',
                    "LangGraph",
                    ours["langgraph"],
                    lambda n: sdk_one(sdk_ours, n),
                    langgraph_request,
                    "langgraph_sdk",
                ),
            ]
            if "langgraph-dev" in peers:
                sdk_dev = get_client(url=peers["langgraph-dev"].base, api_key=None, timeout=300)
                targets.append(
                    Target(
                        "`langgraph dev` (peer)",
                        "LangGraph",
                        peers["langgraph-dev"],
                        lambda n: sdk_one(sdk_dev, n),
                        langgraph_request,
                        "langgraph_sdk",
                    )
                )
            targets.append(
                Target(
                    'langgraph-sse `protocol="ai-sdk"`',
                    "AI SDK",
                    ours["aisdk"],
                    lambda n: sse_one(client, ours["aisdk"].base, aisdk_request, _aisdk_token, n),
                    aisdk_request,
                    "httpx",
                )
            )
            targets.append(
                Target(
                    'langgraph-sse `protocol="ag-ui"`',
                    "AG-UI",
                    ours["agui"],
                    lambda n: sse_one(client, ours["agui"].base, agui_request, _agui_token, n),
                    agui_request,
                    "httpx",
                )
            )
            if "ag-ui-langgraph" in peers:
                base = peers["ag-ui-langgraph"].base
                targets.append(
                    Target(
                        "ag-ui-langgraph (peer)",
                        "AG-UI",
                        peers["ag-ui-langgraph"],
                        lambda n: sse_one(client, base, agui_request, _agui_token, n),
                        agui_request,
                        "httpx",
                    )
                )

            # Every target must stream its tokens; a peer that does not is left out.
            checked = []
            for target in targets:
                try:
                    for _ in range(3):  # warm up: the first runs import and cache
                        result = await target.run(200)
                    if result["events"] != 200:
                        raise RuntimeError(f"streamed {result['events']} tokens of 200")
                    checked.append(target)
                except Exception as error:  # reported in the section
                    skipped.append(f"{target.name}: not measured, {type(error).__name__}: {error}")
            targets = checked
            floor.ask(op="one", mode="messages", tokens=200)

            log(f"protocols: {len(targets)} servers and the floor, {rounds} rounds")
            results: dict[str, list[dict[str, float]]] = {"floor": []}
            results |= {target.name: [] for target in targets}
            by_name = {target.name: target for target in targets}
            for _ in range(rounds):
                order = list(results)
                random.shuffle(order)
                for name in order:
                    if name == "floor":
                        cpu = cpu_seconds(floor.process.pid)
                        result = floor.ask(op="one", mode="messages", tokens=TOKENS)
                        result["cpu"] = cpu_seconds(floor.process.pid) - cpu
                    else:
                        target = by_name[name]
                        cpu = target.cpu()
                        result = await target.run(TOKENS)
                        result["cpu"] = target.cpu() - cpu
                    results[name].append(result)

            if "langgraph-dev" in peers:  # what its own log says of its runs' wait
                waits = peers["langgraph-dev"].logged("run_queue_ms")
                if waits:
                    notes.append(
                        "`langgraph dev` runs every run through its queue: its own log gives a "
                        f"median `run_queue_ms` of {median(waits):.0f} ms over {len(waits)} runs "
                        "(the wait between the run's creation and a worker taking it up), which "
                        "is most of its time to first token."
                    )
            sizes = {}
            for target in targets:
                short = await body_bytes(client, target.server.base, target.request, SHORT)
                long = await body_bytes(client, target.server.base, target.request, TOKENS)
                sizes[target.name] = (short, long)
    finally:
        for server in ours.values():
            server.stop()
        for peer in peers.values():
            peer.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    seconds = time.monotonic() - started
    load = (load_at_start, os.getloadavg()[0])
    section = _section(load, results, by_name, sizes, rounds, versions, skipped + notes, seconds)
    return section, seconds


def _section(
    load: tuple[float, float],
    results: dict[str, list[dict[str, float]]],
    targets: dict[str, Target],
    sizes: dict[str, tuple[dict[str, int], dict[str, int]]],
    rounds: int,
    versions: list[str],
    skipped: list[str],
    seconds: float,
) -> str:
    rate = {n: median([r["events"] / r["seconds"] for r in rs]) for n, rs in results.items()}
    # the streaming rate once the first token is out, without the wait for it
    after = {
        n: median([(r["events"] - 1) / (r["seconds"] - r["first"]) for r in rs])
        for n, rs in results.items()
    }
    ttft = {n: median([r["first"] for r in rs]) * 1000 for n, rs in results.items()}
    cpu = {
        n: median([r["cpu"] / r["events"] * 1e6 for r in rs if r["events"]])
        for n, rs in results.items()
    }
    native = "langgraph-sse native"
    lines = [
        "## Protocols",
        "",
        f"benchmarks/protocols.py ({seconds:.0f} s; alone: `python -m benchmarks --protocols`). "
        f"The benchmark graph, `messages` mode, {TOKENS:,} tokens on one stream, served by each "
        "of this library's protocols and by the peer speaking the same protocol, in "
        f"{rounds} interleaved rounds (each round every row once, in a shuffled order) with "
        "the floor; every figure is a median over the rounds. Each server is its own process "
        "on 127.0.0.1 (uvicorn, httptools, asyncio loop; `langgraph dev` as it starts itself). "
        "LangServe speaks a protocol of its own, so its row sits beside native; it is served "
        "at `POST /graph/stream_events` (`astream_events` v2), the one LangServe endpoint "
        "that carries a graph's tokens (`/stream` sends what `astream` yields in the graph's "
        "default mode: one update per node, the whole reply in one frame). "
        "Every graph has an in-memory checkpointer (`langgraph dev` and ag-ui-langgraph need "
        "one; the floor has none) "
        "and every request is a new thread. Clients: the official `langgraph_sdk` "
        '(`runs.stream(None, "agent", stream_mode="messages-tuple")`) for the LangGraph '
        "rows, httpx + httpx-sse for the others; every client parses every frame's JSON. "
        "Tokens are the frames carrying text (`token`, `messages` with content, "
        "`on_chat_model_stream` with content, `text-delta`, `TEXT_MESSAGE_CONTENT`); "
        "tokens/s counts from sending the request to the last token, tokens/s after the first from the first token to the last. CPU per token is the serving process's (with its children), "
        f"its ratio floor / row. The machine has {os.cpu_count()} cores, shared with other "
        f"work and noisy (load average over 1 minute: {load[0]:.1f} at the start of this "
        f"section, {load[1]:.1f} at its end), and the client shares them with the server: "
        "compare ratios within this table, not absolute numbers across runs.",
        "",
        "| protocol | server | client | tokens/s | ratio to floor | ratio to native | "
        "tokens/s after the first | time to first token (ms) | TTFT / floor | TTFT / native | "
        "CPU per token (µs) | CPU ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| - | floor (`graph.astream`, in process) | - | {rate['floor']:,.0f} | 1.00 | "
        f"{_ratio(rate['floor'], rate[native])} | {after['floor']:,.0f} | {ttft['floor']:.2f} | "
        f"1.00 | {_ratio(ttft['floor'], ttft[native])} | {cpu['floor']:.1f} | 1.00 |",
    ]
    for name, target in targets.items():
        lines.append(
            f"| {target.protocol} | {name} | {target.client} | {rate[name]:,.0f} | "
            f"{_ratio(rate[name], rate['floor'])} | {_ratio(rate[name], rate[native])} | "
            f"{after[name]:,.0f} | "
            f"{ttft[name]:.2f} | {_ratio(ttft[name], ttft['floor'])} | "
            f"{_ratio(ttft[name], ttft[native])} | {cpu[name]:.1f} | "
            f"{_ratio(cpu['floor'], cpu[name])} |"
        )
    lines += [
        "",
        f"### Bytes on the wire: a {SHORT}-token reply and a {TOKENS:,}-token run",
        "",
        "The response body of one run (no headers), read by httpx with the request the row's "
        "client sends. The AI SDK and AG-UI protocols stream `custom` events by default, so "
        "their replies also carry the graph's one custom event per token (`data-custom`, "
        "`CUSTOM`); native `messages` mode and `messages-tuple` do not. LangServe's "
        "`stream_events` sends every `astream_events` event, each token's with the run's "
        "metadata, tags and parent ids, and the chains' and the model's start and end events "
        "with their inputs and outputs.",
        "",
        f"| protocol | server | bytes, {SHORT} tokens | frames | bytes, {TOKENS:,} tokens | "
        "bytes per token |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, target in targets.items():
        short, long = sizes[name]
        lines.append(
            f"| {target.protocol} | {name} | {short['bytes']:,} | {short['frames']} | "
            f"{long['bytes']:,} | {(long['bytes'] - short['bytes']) / (TOKENS - SHORT):.0f} |"
        )
    lines.append("")
    if versions:
        lines += ["Peers: " + "; ".join(versions) + ".", ""]
    if skipped:
        lines += [f"- {line}" for line in skipped] + [""]
    return "\n".join(lines)


def replace_section(document: str, section: str) -> str:
    """`document` with its `## Protocols` section replaced by `section` (or it appended)."""
    start = document.find("\n## Protocols\n")
    if start < 0:
        return document.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    end = document.find("\n## ", start + 1)
    rest = document[end:] if end >= 0 else "\n"
    return document[: start + 1] + section.rstrip("\n") + "\n" + rest


if __name__ == "__main__":
    sys.exit("run `python -m benchmarks --protocols`")

"""`langgraph-sse serve`: the command in a subprocess (threads surviving a
restart, a langgraph.json project read with langgraph_sdk, PostgreSQL, bad
targets), and its parts in process (API keys, .env files, errors)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from httpx_sse import aconnect_sse
from langgraph_sdk import get_client

from langgraph_sse import cli
from langgraph_sse.protocols import PROTOCOLS
from tests.agent_graph import REPLY
from tests.conftest import asgi_client
from tests.servers import POSTGRES, ROOT, Server, free_port, needs_postgres, wait_healthy

pytestmark = pytest.mark.timeout(60)

SCRIPT = Path(sys.executable).with_name("langgraph-sse")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "langgraph_sse"]
TARGET = "tests.agent_graph:build"  # a function making the `agent` graph, without checkpointer


@contextmanager
def serving(
    args: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`langgraph-sse serve <args>` on a free port, in its own process group,
    killed (SIGKILL, the whole group) on the way out."""
    port = free_port()
    pythonpath = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)]))
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*COMMAND, "serve", *args, "--port", str(port), "--log-level", "warning"],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": pythonpath, **(env or {})},
            start_new_session=True,
        )
    try:
        yield Server(f"http://127.0.0.1:{port}", process, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


async def stream_text(url: str, body: dict[str, object], **headers: str) -> str:
    """The token text of one `POST /stream`."""
    async with (
        httpx.AsyncClient(base_url=url, timeout=20) as client,
        aconnect_sse(client, "POST", "/stream", json=body, headers=headers) as source,
    ):
        assert source.response.status_code == 200, await source.response.aread()
        events = [json.loads(sse.data) async for sse in source.aiter_sse()]
    assert events[-1] == {**events[-1], "type": "done", "status": "success"}
    return "".join(event["text"] for event in events if event["type"] == "token")


async def messages_of(url: str, thread_id: str) -> list[str]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        response = await client.get(f"/threads/{thread_id}/state")
    assert response.status_code == 200, response.text
    return [message["content"] for message in response.json()["values"]["messages"]]


# -- in a subprocess ---------------------------------------------------------------


async def test_threads_survive_a_restart(tmp_path: Path) -> None:
    """A graph compiled without a checkpointer gets the SQLite file: a thread
    streamed before the server is killed is read back after it is started again."""
    args, log = [TARGET, "--sqlite", str(tmp_path / "threads.sqlite")], tmp_path / "log"
    with serving(args, ROOT, log) as server:
        await wait_healthy(server)
        assert await stream_text(server.url, {"message": "hi", "thread_id": "t-cli"}) == REPLY
    assert server.process.returncode == -signal.SIGKILL
    with serving(args, ROOT, log) as server:
        await wait_healthy(server)
        assert (await messages_of(server.url, "t-cli"))[:2] == ["hi", REPLY]


AGENT = """
import os
from typing import Annotated, TypedDict

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AnyMessage
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


async def reply(state: State) -> dict:
    model = GenericFakeChatModel(messages=iter([AIMessage(content=os.environ["GREETING"])]))
    return {"messages": [await model.ainvoke(state["messages"])]}


builder = StateGraph(State)
builder.add_node("reply", reply)
builder.add_edge(START, "reply")
graph = builder.compile()
"""


async def test_a_langgraph_json_project_answers_the_sdk(tmp_path: Path) -> None:
    """A project made for `langgraph dev` (a graph file, an `env` dict), served
    with --protocol langgraph: its one graph at /agent and at the root, assistant
    `agent`; a run streams the reply the env names and its thread is kept in
    ./langgraph-sse.sqlite."""
    (tmp_path / "agent.py").write_text(AGENT)
    config = {
        "dependencies": ["."],
        "graphs": {"agent": "./agent.py:graph"},
        "env": {"GREETING": "Bonjour mon ami"},
    }
    (tmp_path / "langgraph.json").write_text(json.dumps(config))
    with serving(["--protocol", "langgraph"], tmp_path, tmp_path / "log") as server:
        await wait_healthy(server, "/agent/ok")
        client = get_client(url=f"{server.url}/agent", api_key=None)
        thread = await client.threads.create()
        parts = [
            part
            async for part in client.runs.stream(
                thread["thread_id"],
                "agent",
                input={"messages": [{"role": "user", "content": "hi"}]},
                stream_mode="messages-tuple",
            )
        ]
        streamed = "".join(p.data[0]["content"] for p in parts if p.event == "messages")
        assert streamed == "Bonjour mon ami"
        at_root = get_client(url=server.url, api_key=None)
        [assistant] = await at_root.assistants.search()
        assert assistant["assistant_id"] == "agent"
        state = await at_root.threads.get_state(thread["thread_id"])
        assert [m["content"] for m in state["values"]["messages"]] == ["hi", "Bonjour mon ami"]
    assert (tmp_path / "langgraph-sse.sqlite").is_file()


@needs_postgres
async def test_postgres_keeps_the_threads(tmp_path: Path) -> None:
    thread_id = f"cli-{uuid.uuid4()}"
    with serving([TARGET, "--postgres", POSTGRES], ROOT, tmp_path / "log") as server:
        await wait_healthy(server)
        assert await stream_text(server.url, {"message": "hi", "thread_id": thread_id}) == REPLY
        assert (await messages_of(server.url, thread_id))[:2] == ["hi", REPLY]


def test_a_bad_target_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [*COMMAND, "serve", "no_such_module:graph"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "langgraph-sse: error: cannot import 'no_such_module': "
        "ModuleNotFoundError: No module named 'no_such_module'"
    ]


# -- in process --------------------------------------------------------------------


async def test_api_keys_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--api-keys-env: 401 without a key or with a wrong one, 200 with one; the
    probe needs none; and `/` lists each protocol under its own prefix."""
    monkeypatch.setenv("CLI_TEST_KEYS", "alice=sk-alice, sk-bare")
    settings = cli.Settings(
        target=TARGET,
        protocols=["native", "ai-sdk"],
        sqlite=str(tmp_path / "threads.sqlite"),
        api_keys_env="CLI_TEST_KEYS",
        chat_page=False,
        cwd=str(ROOT),
    )
    app = cli.build_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        body = {"message": "hi"}
        assert (await client.post("/native/stream", json=body)).status_code == 401
        wrong = {"X-API-Key": "sk-wrong"}
        assert (await client.post("/native/stream", json=body, headers=wrong)).status_code == 401
        assert (await client.get("/native/healthz")).status_code == 200
        for key in ("sk-alice", "sk-bare"):
            response = await client.post("/native/invoke", json=body, headers={"X-API-Key": key})
            assert response.status_code == 200, response.text
        listing = (await client.get("/")).json()["graphs"]
        assert {(m["graph"], m["protocol"], m["path"]) for m in listing} == {
            ("agent", "native", "/native"),
            ("agent", "ai-sdk", "/ai-sdk"),
        }


async def test_the_chat_page_at_the_root(tmp_path: Path) -> None:
    """The chat page at `/` beside a graph served at the root too, talking to
    it; `--no-chat-page` lists the mounts instead."""
    settings = cli.Settings(target=TARGET, sqlite=str(tmp_path / "t.sqlite"), cwd=str(ROOT))
    app = cli.build_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        page = await client.get("/")
        assert page.headers["content-type"].startswith("text/html")
        assert '<meta name="langgraph-sse-api" content="">' in page.text
        assert (await client.get("/chat.js")).status_code == 200
        assert (await client.post("/invoke", json={"message": "hi"})).status_code == 200
    settings.chat_page = False
    app = cli.build_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        assert (await client.get("/")).json() == {
            "graphs": [{"graph": "agent", "protocol": "native", "path": "/"}]
        }


TWO_GRAPHS = """
from langgraph.checkpoint.memory import InMemorySaver
from tests.agent_graph import build

def bare():
    return build()

kept = build()
kept.checkpointer = InMemorySaver()
"""


async def test_several_graphs_and_their_own_checkpointers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Each graph of a langgraph.json under /<name> (none at the root when there
    are several); a graph with its own checkpointer keeps it, and says so."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "cli_two_graphs.py").write_text(TWO_GRAPHS)
    graphs = {"one": "./cli_two_graphs.py:bare", "two": "cli_two_graphs:kept"}
    (tmp_path / "langgraph.json").write_text(json.dumps({"graphs": graphs}))
    settings = cli.Settings(
        config=str(tmp_path / "langgraph.json"), sqlite=str(tmp_path / "t.sqlite"), chat_page=False
    )
    caplog.set_level(logging.INFO, logger="langgraph_sse.cli")
    records: list[logging.LogRecord] = []  # here, whether the library's logger propagates or not
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("langgraph_sse.cli").addHandler(handler)
    try:
        app = cli.build_app(settings)
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            for name in ("one", "two"):
                response = await client.post(f"/{name}/invoke", json={"message": "hi"})
                assert response.json()["values"]["messages"][1]["content"] == REPLY
            assert (await client.post("/invoke", json={"message": "hi"})).status_code == 404
    finally:
        logging.getLogger("langgraph_sse.cli").removeHandler(handler)
    said = [record.getMessage() for record in records]
    assert "graph 'two' keeps its own checkpointer (InMemorySaver)" in said
    assert f"Threads of graph 'one' are kept in SQLite at {tmp_path / 't.sqlite'}" in said


def test_read_api_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYS", "alice=sk-1==, sk-2 ,,")
    keys = cli.read_api_keys("KEYS")
    assert keys["sk-1=="] == "alice"
    assert keys["sk-2"].startswith("key-") and len(keys) == 2
    monkeypatch.setenv("KEYS", " ")
    with pytest.raises(cli.CLIError, match="unset or empty"):
        cli.read_api_keys("KEYS")


def test_parse_env_file() -> None:
    text = """
        # a comment
        export A=1
        B = "two words"
        C='3'
        D=4 # trailing
        not a pair
        E=
    """
    assert cli.parse_env_file(text) == {"A": "1", "B": "two words", "C": "3", "D": "4", "E": ""}


def test_read_config_loads_env_and_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An `env` file does not replace variables already set; the config's
    directory and its local dependencies go on sys.path; the dict form of a graph."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("CLI_TEST_NEW", "CLI_TEST_SET"):
        monkeypatch.setenv(name, "before")
    monkeypatch.delenv("CLI_TEST_NEW")
    (tmp_path / ".env").write_text("CLI_TEST_NEW=from-file\nCLI_TEST_SET=from-file\n")
    (tmp_path / "lib").mkdir()
    config = {
        "dependencies": ["./lib", "some-package"],
        "graphs": {"a": "./a.py:graph", "b": {"path": "pkg.b:graph", "description": "B"}},
        "env": ".env",
    }
    (tmp_path / "langgraph.json").write_text(json.dumps(config))
    sources = cli.read_config(tmp_path / "langgraph.json")
    assert [(s.name, s.spec) for s in sources] == [("a", "./a.py:graph"), ("b", "pkg.b:graph")]
    assert os.environ["CLI_TEST_NEW"] == "from-file" and os.environ["CLI_TEST_SET"] == "before"
    assert sys.path[:2] == [str(tmp_path), str(tmp_path / "lib")]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ([f"{TARGET.split(':')[0]}:nope"], "'tests.agent_graph' has no attribute 'nope'"),
        (["tests.agent_graph:REPLY"], "tests.agent_graph:REPLY is a str, not a compiled graph"),
        (["tests.agent_graph:text_of"], "is a function taking (message)"),
        (["./missing.py:graph"], "no such file:"),
        (["tests/agent_graph.ts:graph"], "JavaScript graphs are not supported"),
        (["tests.agent_graph"], "expected module:attr"),
        ([], "give a graph to serve"),
        (["--config", "nowhere/langgraph.json"], "no such file:"),
    ],
)
def test_errors_are_one_line(
    args: list[str],
    error: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "path", [str(ROOT), *sys.path])
    monkeypatch.chdir(tmp_path if not args or args[0] == "--config" else ROOT)
    assert cli.main(["serve", *args, "--sqlite", str(tmp_path / "x.sqlite")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("langgraph-sse: error: ") and error in line


def test_protocol_names_match_the_library() -> None:
    assert set(cli.PROTOCOLS) == set(PROTOCOLS)

"""Every `curl` command of the docs (```bash / ```sh / ```shell / ```console blocks
of README.md and docs/*.md, and inline `curl ...` in their prose and tables) runs,
as written, with the system curl against the example app it is written for, and
answers what the page says comes back.

A command is joined across `\\` continuations and across newlines inside quotes
(as bash reads it), from blocks indented inside tabs too; a `$ ` prompt is dropped.
Only `127.0.0.1:8000` is rewritten, to the port of the app serving it; curl gets
`--silent --show-error --max-time 20 --fail-with-body` in front, so an HTTP status
of 400 or more fails (no snippet shows an error on purpose).

Which app serves a command is told by its URL (see `target`): `/v1/...` is
`examples.production` (with the keys of docs/examples.md when the command sends
`X-API-Key`), `/agent/...` `examples.starlette_app` (README's and index's quick
start mount a graph there), `/agui` `examples.ag_ui`, `/api/chat` `examples.ai_sdk`;
a bare `/stream` depends on the page: `examples.tokens` on docs/examples.md (or the
module of the table row it is in), `langgraph-sse serve examples.tokens:graph` on
docs/cli.md (with the page's `API_KEYS` when the command sends a key), and on
docs/http-api.md `langgraph-sse serve examples.ag_ui:graph`, whose approval
interrupt the page's last command answers. The apps the selected pages need start
once for the module, all at once (about 5 s of imports each), each with its threads
in a SQLite file of its own and the fake model's token delay at 0. `SKIPPED` lists
the commands that cannot run here, with the reason.

A page's commands run in page order against the same servers, so a command may
read what an earlier one left (`/threads/t1/state`). Each answer is checked for
its kind: a native stream's frames (`event:`/`id:`/`data:`, ids in order from
`metadata` to `done`, the event types of the stream mode asked for, the thread
asked for), an AG-UI run (`RUN_STARTED` to `RUN_FINISHED`, text), an AI SDK UI
message stream (`start` to `finish`, then `[DONE]`), a thread's state (the shape,
and the message the page sent on it).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.servers import Server, free_port, reachable, stop_servers

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)")
_SHELL = {"bash", "sh", "shell", "console"}
_CURL = re.compile(r"^curl\s")
_INLINE = re.compile(r"`(curl [^`]*https?://[^`]*)`")
"""Inline code that is a whole command (`curl -d` in prose is not)."""
_ROW_MODULE = re.compile(r"^\|\s*`(?P<module>\w+)`\s*\|")
"""The first cell of a row of docs/examples.md's table of apps: the example module."""

DOCS_HOST = "127.0.0.1:8000"

SKIPPED = {
    ("docs/deploy.md", "127.0.0.1:8080"): "needs the page's docker compose stack (nginx, "
    "two replicas, PostgreSQL, Redis); its nginx config is tests/system/test_nginx.py's",
}
"""(page, text in the command): why it does not run here."""


@dataclass(frozen=True)
class App:
    """How to serve one app: `python -m <argv>`, then the port (and a SQLite file)."""

    argv: tuple[str, ...]
    protocol: str = "native"
    stream_mode: str = "messages"
    """The server's default stream mode (native protocol)."""
    env: dict[str, str] = field(default_factory=dict)

    def command(self, port: int, database: Path) -> list[str]:
        if self.argv[0] == "uvicorn":
            return [*self.argv, "--host", "127.0.0.1", "--port", str(port)]
        return [*self.argv, "--port", str(port), "--sqlite", str(database)]


def _uvicorn(module: str, **options: Any) -> App:
    return App(("uvicorn", f"examples.{module}:app", "--log-level", "warning"), **options)


def _serve(*args: str, **options: Any) -> App:
    return App(("langgraph_sse", "serve", *args, "--log-level", "warning"), **options)


APPS = {
    "production": _uvicorn("production"),
    "production+keys": _uvicorn(
        "production",  # docs/examples.md: LANGGRAPH_SSE_API_KEYS=alice=sk-dev-1,bob=sk-dev-2
        env={"LANGGRAPH_SSE_API_KEYS": "alice=sk-dev-1,bob=sk-dev-2"},
    ),
    "starlette_app": _uvicorn("starlette_app"),
    "minimal": _uvicorn("minimal", stream_mode="updates"),
    "tokens": _uvicorn("tokens"),
    "ag_ui": _uvicorn("ag_ui", protocol="ag-ui"),
    "ai_sdk": _uvicorn("ai_sdk", protocol="ai-sdk"),
    "cli": _serve("examples.tokens:graph"),
    "cli+keys": _serve(  # docs/cli.md: export API_KEYS="alice=sk-alice,bob=sk-bob"
        "examples.tokens:graph",
        "--api-keys-env",
        "API_KEYS",
        env={"API_KEYS": "alice=sk-alice,bob=sk-bob"},
    ),
    "http-api": _serve("examples.ag_ui:graph"),
}

MODE_EVENTS = {
    "messages": {"token", "reasoning", "tool_call_chunk", "message"},
    "updates": {"updates"},
    "values": {"values"},
    "custom": {"custom"},
    "debug": {"checkpoint", "node_start", "node_end"},
}
"""The events each stream mode sends (docs/stream-modes.md), besides `metadata`,
`interrupt`, `error` and `done`."""


@dataclass(frozen=True)
class Curl:
    """One curl command of a page."""

    page: str
    line: int
    argv: tuple[str, ...]
    row: str | None = None
    """The example module of the docs/examples.md table row it is in, if any."""

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def url(self) -> str:
        return next(arg for arg in self.argv if arg.startswith("http"))

    @property
    def headers(self) -> dict[str, str]:
        values = [b for a, b in itertools.pairwise(self.argv) if a in ("-H", "--header")]
        return {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in values)}

    @property
    def body(self) -> Any:
        """The JSON of `-d`, else the query string's parameters (first values)."""
        for flag, value in itertools.pairwise(self.argv):
            if flag in ("-d", "--data", "--data-raw", "--data-binary"):
                return json.loads(value)
        return {k: v[0] for k, v in parse_qs(urlsplit(self.url).query).items()}


def _parse(page: str, line: int, text: str, row: str | None = None) -> Curl:
    text = text.replace("\\\n", "")  # bash drops a backslash-newline
    argv = tuple(shlex.split(text, comments=True))
    operators = {"|", "||", "&&", ";", ">", ">>", "<", "&"} & set(argv)
    assert not operators, f"{page}:{line}: the command pipes or chains ({operators}): {text}"
    return Curl(page, line, argv, row)


def _complete(text: str) -> bool:
    if text.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(text.replace("\\\n", ""), comments=True)
    except ValueError:  # a quote still open: the command goes on on the next line
        return False
    return True


def commands(pages: list[Path] = PAGES) -> list[Curl]:
    """Every curl command of `pages`, in page order."""
    found: list[Curl] = []
    for path in pages:
        page = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
        lines = path.read_text().splitlines()
        i = 0
        while i < len(lines):
            fence = _FENCE.match(lines[i])
            if not fence:
                row = _ROW_MODULE.match(lines[i])
                for span in _INLINE.finditer(lines[i]):
                    found.append(_parse(page, i + 1, span[1], row and row["module"]))
                i += 1
                continue
            indent, shell = fence["indent"], fence["lang"] in _SHELL
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                text = lines[i].removeprefix(indent)
                if shell and fence["lang"] == "console":
                    text = text.removeprefix("$ ")
                if shell and _CURL.match(text):
                    start = i
                    while not _complete(text) and i + 1 < len(lines):
                        i += 1
                        text += "\n" + lines[i].removeprefix(indent)
                    found.append(_parse(page, start + 1, text))
                i += 1
            i += 1
    return found


def skip_reason(curl: Curl) -> str | None:
    return next(
        (why for (page, text), why in SKIPPED.items() if curl.page == page and text in curl.url),
        None,
    )


def target(curl: Curl) -> str:
    """The name in `APPS` of the app `curl` is written for."""
    url = urlsplit(curl.url)
    assert url.netloc == DOCS_HOST, f"{curl.where}: no app for {url.netloc} (add it, or skip it)"
    keyed = "x-api-key" in curl.headers or "authorization" in curl.headers
    path = url.path
    if path.startswith("/v1/"):
        return "production+keys" if keyed else "production"
    if path.startswith("/agent/"):
        return "starlette_app"
    if path == "/agui":
        return "ag_ui"
    if path.startswith("/api/chat"):
        return "ai_sdk"
    if curl.row is not None:
        return curl.row
    bare = {"docs/examples.md": "tokens", "docs/http-api.md": "http-api", "docs/cli.md": "cli"}
    assert curl.page in bare, f"{curl.where}: which app serves {path} on this page?"
    name = bare[curl.page]
    return f"{name}+keys" if keyed else name


ALL = commands()
RUNNABLE = [curl for curl in ALL if skip_reason(curl) is None]
RUN_PAGES = sorted({curl.page for curl in RUNNABLE}, key=[c.page for c in RUNNABLE].index)


def test_every_curl_has_an_app_or_a_reason() -> None:
    assert len(ALL) >= 19, [curl.where for curl in ALL]  # the extraction still finds them
    for curl in RUNNABLE:
        assert target(curl) in APPS, f"{curl.where}: {target(curl)} is not in APPS"
        assert "<" not in " ".join(curl.argv), f"{curl.where}: a placeholder to fill or skip"
    for (page, text), why in SKIPPED.items():
        assert any(curl.page == page and text in curl.url for curl in ALL), (
            f"SKIPPED[{page!r}, {text!r}] matches no command any more: remove it ({why})"
        )
    assert len(SKIPPED) <= 3, "keep the skip list short: run the commands instead"


def test_extraction_joins_continuations_and_quotes_and_tabs(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        '=== "Tab"\n\n    ```console\n    $ curl -N http://127.0.0.1:8000/stream \\\n'
        "    \t-d '{\"a\":\n      1}'   # a comment\n    ```\n\n"
        "| `minimal` | x | `curl http://127.0.0.1:8000/stream?x=1` |\n"
        "```python\ncurl = 'curl http://no'\n```\n"
    )
    found = commands([page])
    assert [(c.line, c.argv, c.row) for c in found] == [
        (4, ("curl", "-N", "http://127.0.0.1:8000/stream", "-d", '{"a":\n  1}'), None),
        (9, ("curl", "http://127.0.0.1:8000/stream?x=1"), "minimal"),
    ]


class Servers:
    """The apps of `APPS`, all started at once, each waited for when first used."""

    def __init__(self, names: set[str], tmp: Path) -> None:
        self.servers: dict[str, Server] = {}
        self.ready: set[str] = set()
        pythonpath = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)]))
        for name in sorted(names):
            app, port, log = APPS[name], free_port(), tmp / f"{name}.log"
            env = {
                **os.environ,
                "PYTHONPATH": pythonpath,
                "LANGGRAPH_SSE_DB": str(tmp / f"{name}.sqlite"),
                "LANGGRAPH_SSE_TOKEN_DELAY": "0",
                **app.env,
            }
            env.pop("ANTHROPIC_API_KEY", None)  # the fake model, as the docs' outputs show
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", *app.command(port, tmp / f"{name}.sqlite")],
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            self.servers[name] = Server(f"http://127.0.0.1:{port}", process, log)

    def port(self, name: str, timeout: float = 50.0) -> int:
        server = self.servers[name]
        port = int(server.url.rsplit(":", 1)[1])
        deadline = time.monotonic() + timeout
        while name not in self.ready:
            if server.process.poll() is not None:
                pytest.fail(f"{name} exited with {server.process.returncode}:\n{server.log_text()}")
            if reachable(port):  # uvicorn listens once the app's lifespan has started
                self.ready.add(name)
            elif time.monotonic() > deadline:
                pytest.fail(f"{name} not listening after {timeout} s:\n{server.log_text()}")
            else:
                time.sleep(0.1)
        return port

    def stop(self) -> None:
        stop_servers(list(self.servers.values()))


@pytest.fixture(scope="module")
def servers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The apps the selected pages need (`-k cli` starts two, not ten)."""
    pages = {
        item.callspec.params["page"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is request.module
        and hasattr(item, "callspec")
    }
    names = {target(curl) for curl in RUNNABLE if curl.page in pages}
    started = Servers(names, tmp_path_factory.mktemp("apps"))
    try:
        yield started
    finally:
        started.stop()


@dataclass
class Answer:
    status: int
    content_type: str
    text: str


def run(curl: Curl, port: int) -> Answer:
    argv = [arg.replace(DOCS_HOST, f"127.0.0.1:{port}") for arg in curl.argv]
    options = ["--silent", "--show-error", "--max-time", "20", "--fail-with-body"]
    write_out = ["--write-out", "%{stderr}%{http_code} %{content_type}"]
    done = subprocess.run(
        [argv[0], *options, *write_out, *argv[1:]], capture_output=True, text=True, timeout=30
    )
    status, _, content_type = done.stderr.rpartition("\n")[2].partition(" ")
    assert done.returncode == 0, (
        f"{curl.where}: curl exited {done.returncode}: {done.stderr}\n{done.stdout[-2000:]}"
    )
    return Answer(int(status), content_type, done.stdout)


def _frames(text: str) -> list[dict[str, str]]:
    frames = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line and not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = fields.get(name, "") + value.removeprefix(" ")
        if fields:
            frames.append(fields)
    return frames


def check_native_stream(curl: Curl, app: App, answer: Answer) -> str:
    """Checks a native event stream; returns the run's final status."""
    frames = _frames(answer.text)
    events = [json.loads(frame["data"]) for frame in frames]
    types = [event["type"] for event in events]
    assert [frame.get("event") for frame in frames] == types, types
    assert [frame.get("id") for frame in frames] == [str(i) for i in range(len(frames))]
    assert [event["seq"] for event in events] == list(range(len(events)))
    assert types[0] == "metadata" and types[-1] == "done", types
    assert "error" not in types, events
    body = curl.body
    if "thread_id" in body:
        assert events[0]["thread_id"] == body["thread_id"]
    status = events[-1]["status"]
    assert status == "success" or (status == "interrupted" and "interrupt" in types), events[-1]
    modes = body.get("stream_mode", app.stream_mode)
    modes = [modes] if isinstance(modes, str) else modes
    modes = [m for mode in modes for m in mode.split(",")]  # `?stream_mode=updates,custom`
    content = set(types) - {"metadata", "interrupt", "done"}
    allowed = set().union(*(MODE_EVENTS[mode] for mode in modes))
    assert content and content <= allowed, f"{modes} sent {types}"
    if modes == ["messages"] and "command" not in body:
        assert "".join(e["text"] for e in events if e["type"] == "token").strip(), "no text"
    return str(status)


def check_thread_state(curl: Curl, answer: Answer, sent: dict[str, str]) -> None:
    state = json.loads(answer.text)
    assert {"thread_id", "values", "next", "checkpoint_id", "interrupts"} <= state.keys(), state
    thread_id = urlsplit(curl.url).path.split("/")[-2]
    assert state["thread_id"] == thread_id
    messages = state["values"]["messages"]
    assert [m["type"] for m in messages][-2:] == ["human", "ai"], messages
    if thread_id in sent:  # what an earlier command of the page said on this thread
        assert sent[thread_id] in [m["content"] for m in messages if m["type"] == "human"]


def check_ag_ui(curl: Curl, answer: Answer) -> None:
    events = [json.loads(frame["data"]) for frame in _frames(answer.text)]
    types = [event["type"] for event in events]
    ids = {"threadId": curl.body["threadId"], "runId": curl.body["runId"]}
    assert types[0] == "RUN_STARTED" and events[0].items() >= ids.items(), events[0]
    assert types[-1] == "RUN_FINISHED" and events[-1].items() >= ids.items(), events[-1]
    assert events[-1]["outcome"] == {"type": "success"}, events[-1]
    assert "RUN_ERROR" not in types, events
    assert {"TEXT_MESSAGE_START", "TEXT_MESSAGE_END", "MESSAGES_SNAPSHOT"} <= set(types), types
    assert "".join(e["delta"] for e in events if e["type"] == "TEXT_MESSAGE_CONTENT").strip()


def check_ai_sdk(answer: Answer) -> None:
    data = [frame["data"] for frame in _frames(answer.text)]
    assert data[-1] == "[DONE]", data[-3:]
    parts = [json.loads(item) for item in data[:-1]]
    types = [part["type"] for part in parts]
    assert types[0] == "start" and types[-1] == "finish", types
    assert "error" not in types, parts
    assert {"text-start", "text-end"} <= set(types), types
    assert "".join(p["delta"] for p in parts if p["type"] == "text-delta").strip()


@pytest.mark.parametrize("page", RUN_PAGES)
def test_page_curl_commands_run(page: str, servers: Servers) -> None:
    sent: dict[str, str] = {}  # thread id -> the last message the page sent on it
    interrupted: set[str] = set()  # threads whose last run of the page ended interrupted
    for curl in (c for c in RUNNABLE if c.page == page):
        name = target(curl)
        app = APPS[name]
        answer = run(curl, servers.port(name))
        try:
            assert answer.status == 200, answer.status
            path = urlsplit(curl.url).path
            if app.protocol == "ag-ui":
                assert answer.content_type.startswith("text/event-stream")
                check_ag_ui(curl, answer)
            elif app.protocol == "ai-sdk":
                assert answer.content_type.startswith("text/event-stream")
                check_ai_sdk(answer)
            elif path.endswith("/stream"):
                assert answer.content_type.startswith("text/event-stream")
                body = curl.body
                if "command" in body:  # a resume answers what the page's last run asked
                    assert body["thread_id"] in interrupted, "no earlier run asked anything"
                status = check_native_stream(curl, app, answer)
                if "thread_id" in body:
                    interrupted.discard(body["thread_id"])
                    if status == "interrupted":
                        interrupted.add(body["thread_id"])
                    if "message" in body:
                        sent[body["thread_id"]] = body["message"]
            elif re.search(r"/threads/[^/]+/state$", path):
                assert answer.content_type == "application/json"
                check_thread_state(curl, answer, sent)
            else:
                pytest.fail(f"no check for {path} ({app.protocol}): add one")
        except AssertionError as error:
            raise AssertionError(
                f"{curl.where}: {' '.join(curl.argv)}\n{error}\n--- answer:\n{answer.text[-3000:]}"
            ) from error

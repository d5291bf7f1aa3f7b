"""Robustness: what a hostile or careless client, or a crowd of them, can do to a server.

1. Schemathesis generates requests from the FastAPI app's OpenAPI schema (valid
   and invalid ones), with and without the API key: no 5xx, and every response
   matches the schema.
2. Hypothesis throws random JSON bodies and query strings at every endpoint of
   all three adapters: never a 5xx, a 200 stream always ends with `done`, and
   every 4xx is JSON with a `detail`.
3. A disconnect storm against a real uvicorn server in a subprocess: 500
   streams open at once and are dropped after their first event; every run and
   every node must stop, and the server must stay healthy.

Run with `pytest -s` to see the figures each test prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from httpx_sse import EventSource, ServerSentEvent, aconnect_sse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import FailureGroup

from langgraph_sse import api_key_auth, make_router
from langgraph_sse.stream import STREAM_MODES
from tests.apps import ADAPTERS, mount
from tests.graphs import State

ROOT = Path(__file__).resolve().parent.parent
KEY = {"X-API-Key": "key-a"}
AUTH = api_key_auth({"key-a": "alice"})


# Bugs found in src/ (see the report); each has a strict xfail below, so fixing one
# turns its test into an XPASS failure until the mark is removed.
SSE_SCHEMA_BUG = (
    "The OpenAPI schema documents the 200 text/event-stream body as "
    '`schema: {"type": "string"}`; schemathesis (like FastAPI\'s own SSE support, '
    "which emits `itemSchema`) reads a stream's schema per event, so every event "
    "({event, id, data}) violates it. See the report."
)
INVOKE_500_BUG = (
    "POST /invoke answers 500 when the graph rejects the client's `input` "
    "(e.g. null -> EmptyInputError, 0 -> InvalidUpdateError): a client error "
    "reported as a server error. See the report."
)
THREAD_HEADER_BUG = (
    "/stream echoes thread_id in the X-Thread-Id response header unencoded: a thread "
    "id with a character above U+00FF answers 500 (UnicodeEncodeError in Starlette), "
    "one with CR, LF, NUL or leading/trailing whitespace makes a real server (uvicorn "
    "with h11) drop the connection without a response. See the report."
)


def talkative_graph() -> Any:
    """START -> agent -> END with a fake model that never runs out of replies.

    (GenericFakeChatModel raises once its iterator is exhausted; a fuzzer calls it
    hundreds of times.)
    """
    model = GenericFakeChatModel(
        messages=itertools.cycle([AIMessage(content="hello there"), "second reply"])
    )

    async def agent(state: State) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile(checkpointer=InMemorySaver())


# -- 1. schemathesis against the OpenAPI schema --------------------------------

OPERATIONS = (
    "POST /stream",
    "GET /stream",
    "POST /invoke",
    "GET /threads/{thread_id}/state",
    "GET /threads/{thread_id}/history",
    "GET /healthz",
)
SCHEMATHESIS_EXAMPLES = 25  # generated cases per operation, on top of the seeds below


@pytest.fixture(scope="module")
def api_schema() -> Any:
    """The FastAPI app's schema, loaded by schemathesis; thread `seeded` exists (alice's)."""
    app = FastAPI()
    app.include_router(make_router(talkative_graph(), auth=AUTH))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seed = schema["/invoke"]["POST"].Case(body={"message": "hi", "thread_id": "seeded"})
    assert seed.call(headers=KEY).status_code == 200
    return schema


def seed_cases(operation: Any) -> list[Any]:
    """Hand-written valid requests: the schema cannot say "exactly one of input,
    message or command", so generated bodies are mostly (rightly) refused with 422;
    these make sure each operation's success response is validated too."""
    user_input = {"messages": [{"role": "user", "content": "hi"}]}
    bodies: dict[str, list[dict[str, Any]]] = {
        "POST /stream": [
            {"body": {"message": "hi"}},
            {"body": {"message": "hi", "thread_id": "seeded", "stream_mode": list(STREAM_MODES)}},
        ],
        "GET /stream": [
            {"query": {"message": "hi"}},
            {"query": {"input": json.dumps(user_input), "stream_mode": "values,updates"}},
        ],
        "POST /invoke": [
            {"body": {"message": "hi"}},
            {"body": {"input": user_input, "thread_id": "seeded"}},
        ],
        "GET /threads/{thread_id}/state": [
            {"path_parameters": {"thread_id": "seeded"}},
            {"path_parameters": {"thread_id": "nobody-made-this"}},
        ],
        "GET /threads/{thread_id}/history": [
            {"path_parameters": {"thread_id": "seeded"}},
            {"path_parameters": {"thread_id": "seeded"}, "query": {"limit": 1}},
        ],
        "GET /healthz": [{}],
    }
    return [operation.Case(**kwargs) for kwargs in bodies[operation.label]]


RUN_INPUTS = ("input", "message", "command")


def with_one_input(case: Any) -> st.SearchStrategy[Any]:
    """The case with just one of `input`, `message` and `command` (when it has several).

    A request must carry exactly one of them, which the schema cannot say (it is a
    model validator): left alone, nearly every generated run request is (rightly)
    refused with 422 and the graph never runs.
    """
    fields = case.body if isinstance(case.body, dict) else case.query
    if not isinstance(fields, dict):
        return st.just(case)
    present = [name for name in RUN_INPUTS if fields.get(name) is not None]
    if len(present) < 2:
        return st.just(case)

    def keep(name: str) -> Any:
        kept = {k: v for k, v in fields.items() if k == name or k not in RUN_INPUTS}
        parts = {"path_parameters": case.path_parameters, "query": case.query, "body": case.body}
        parts["body" if fields is case.body else "query"] = kept
        return case.operation.Case(**parts, media_type=case.media_type)

    return st.sampled_from(present).map(keep)


def test_schemathesis_sees_every_operation(api_schema: Any) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


@pytest.mark.parametrize(
    "label",
    [
        pytest.param(
            OPERATIONS[0],
            marks=pytest.mark.xfail(
                strict=True, raises=AssertionError, reason=f"{SSE_SCHEMA_BUG} {THREAD_HEADER_BUG}"
            ),
        ),
        pytest.param(
            OPERATIONS[1],
            marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=SSE_SCHEMA_BUG),
        ),
        pytest.param(
            OPERATIONS[2],
            marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=INVOKE_500_BUG),
        ),
        *OPERATIONS[3:],
    ],
)
def test_schemathesis_no_5xx_and_responses_match_the_schema(api_schema: Any, label: str) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    cases = 0

    def exercise(case: Any) -> None:
        nonlocal cases
        cases += 1
        for headers in (KEY, {}):
            try:
                response = case.call(headers=headers)
            except Exception as exc:  # the app raised: a real server answers 500
                statuses[500] += 1
                failures.append(
                    f"the app raised {type(exc).__name__}: {exc}\n"
                    f"  {case.as_curl_command(headers=headers)}"
                )
                continue
            statuses[response.status_code] += 1
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance]
                )
            except FailureGroup as group:
                titles = ", ".join(sorted({f.title for f in group.exceptions}))
                failures.append(
                    f"{response.status_code} {titles}\n  {case.as_curl_command(headers=headers)}"
                    f"\n  -> {response.text[:300]!r}"
                )
            if not headers and path != "/healthz" and response.status_code < 300:
                failures.append(
                    f"{response.status_code} without an API key\n  {case.as_curl_command()}"
                )

    for case in seed_cases(operation):
        exercise(case)

    positive = operation.as_strategy(GenerationMode.POSITIVE)
    negative = operation.as_strategy(GenerationMode.NEGATIVE)

    # Derandomized so that the strict xfails above fail the same way every run.
    @settings(
        max_examples=SCHEMATHESIS_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(positive, negative, positive.flatmap(with_one_input)))
    def fuzz(case: Any) -> None:
        exercise(case)

    fuzz()
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(
        f"\nschemathesis {label}: {cases} cases, {statuses.total()} requests "
        f"(each with and without the key), 5xx: {server_errors}, failures: {len(failures)}, "
        f"statuses: {dict(sorted(statuses.items()))}"
    )
    assert not failures, f"{len(failures)} failures, first ones:\n" + "\n".join(failures[:5])


# -- 2. hypothesis fuzz through the three adapters -----------------------------

FUZZ_EXAMPLES = 100
REQUEST_TIMEOUT = 20.0  # a request that takes longer is a hang

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
HUGE_TEXT = st.sampled_from(["x" * 100_001, "é" * 60_000, "\x00" * 1000, "y" * (1 << 20)])
TEXT = st.text(max_size=40) | st.sampled_from(["", " ", "\n", "\x00", "null", "{}", "é😀"])
JSON = st.recursive(
    st.none()
    | st.booleans()
    | INT64
    | st.integers()  # beyond 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
MODE = st.sampled_from([*STREAM_MODES, "bogus", "", "Values", "messages,custom", "events"])
MESSAGES = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "human", "ai", "system", "tool", "weird"])},
        optional={"content": TEXT | JSON},
    ),
    max_size=3,
)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "thread_id": TEXT | st.text(min_size=250, max_size=300) | JSON,
    "input": st.fixed_dictionaries({}, optional={"messages": MESSAGES | JSON}) | JSON,
    "message": TEXT | HUGE_TEXT | JSON,
    "command": st.fixed_dictionaries({}, optional={"resume": JSON, "update": JSON}) | JSON,
    "config": st.fixed_dictionaries(
        {},
        optional={
            "recursion_limit": INT64 | JSON,
            "tags": st.lists(TEXT) | JSON,
            "configurable": st.dictionaries(
                st.sampled_from(["thread_id", "checkpoint_ns", "__pregel_send", "model"]) | TEXT,
                JSON,
                max_size=2,
            ),
            "metadata": JSON,
            "run_name": TEXT | JSON,
            "callbacks": JSON,
        },
    )
    | JSON,
    "stream_mode": MODE | st.lists(MODE, max_size=4) | JSON,
    "subgraphs": st.booleans() | JSON,
}


class RawBody(bytes):
    """A body sent as it is, not serialized as JSON."""


def run_body(*, exclude: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """Request bodies: the real fields with values of every type, junk keys,
    any other JSON, raw bytes that are not JSON, and sizes over the limits."""
    fields = {name: value for name, value in FIELDS.items() if name not in exclude}
    structured = st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries({}, optional=fields),
        st.dictionaries(TEXT, JSON, max_size=2) | st.just({}),
    )
    plausible = st.fixed_dictionaries(
        {"message": TEXT},
        optional={
            "thread_id": st.sampled_from(["t-1", "t-2", "é", "x" * 256]) | TEXT,
            "stream_mode": st.lists(st.sampled_from(STREAM_MODES), min_size=1, max_size=3),
            "subgraphs": st.booleans(),
        },
    )
    raw = st.binary(max_size=100) | st.sampled_from([b"", b"{", b"[]", b'{"message": "hi"'])
    return plausible | structured | JSON | raw.map(RawBody)


QUERY_VALUES = (
    TEXT
    | JSON.map(lambda value: json.dumps(value, ensure_ascii=False))
    | MODE
    | st.sampled_from(["true", "false", "1", "0", "yes", "TRUE", "-1", "10001", "1e3"])
    | st.integers(-5, 2000).map(str)
)
STREAM_QUERY_KEYS = st.sampled_from(
    ["thread_id", "message", "input", "command", "stream_mode", "subgraphs", "config"]
)
HISTORY_QUERY_KEYS = st.sampled_from(["limit", "before", "thread_id"])


Query = list[tuple[str, str]]


def query(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Query]:
    """Query strings as (name, value) pairs: names may repeat, values are any text."""
    return st.lists(st.tuples(keys | TEXT, QUERY_VALUES), max_size=6)


def stream_query() -> st.SearchStrategy[Query]:
    """`GET /stream` queries: random ones, and plausible ones (a message, maybe a
    thread, modes and flags) followed by random pairs."""
    plausible = st.tuples(
        st.tuples(st.just("message"), TEXT).map(lambda pair: [pair]),
        st.lists(
            st.tuples(st.just("stream_mode"), st.sampled_from([*STREAM_MODES, "values,updates"]))
            | st.tuples(st.just("subgraphs"), st.sampled_from(["true", "false", "1", "0"]))
            | st.tuples(st.just("thread_id"), st.sampled_from(["t-1", "t-2"]) | TEXT),
            max_size=3,
        ),
        st.lists(st.tuples(TEXT, QUERY_VALUES), max_size=1),
    ).map(lambda parts: [pair for part in parts for pair in part])
    return plausible | query(STREAM_QUERY_KEYS)


def valid_field_value(value: bytes) -> bool:
    """Whether an HTTP server may send `value` as a header value (h11's rules,
    uvicorn's default): no CR, LF or NUL, no whitespace around it."""
    return not re.search(rb"[\r\n\x00]", value) and value == value.strip(b" \t")


def header_safe(thread_id: str) -> str:
    """`thread_id` without what THREAD_HEADER_BUG trips on."""
    kept = "".join(c for c in thread_id if ord(c) <= 0xFF and c not in "\r\n\x00")
    return kept.strip(" \t")


def header_safe_body(body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("thread_id"), str):
        return {**body, "thread_id": header_safe(body["thread_id"])}
    return body


def header_safe_query(params: Query) -> Query:
    return [(k, header_safe(v) if k == "thread_id" else v) for k, v in params]


Stats = Counter[str]


async def check_response(response: httpx.Response, stats: Stats, *, streams: bool) -> None:
    """The properties every fuzzed response must have; reads the body."""
    status = response.status_code
    stats[str(status)] += 1
    body = await response.aread()
    assert status < 500, f"{status}: {body[:500]!r}"
    for name, value in response.headers.raw:
        assert valid_field_value(value), f"invalid header {name!r}: {value!r}"
    if 400 <= status < 500:
        assert response.headers["content-type"].startswith("application/json"), body[:200]
        assert "detail" in json.loads(body), body[:200]
    elif status == 200 and streams:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = await parse_sse(body)
        assert events, "an empty stream"
        assert events[0].event == "metadata", events[0]
        assert events[-1].event == "done", f"the stream ended with {events[-1]}"
        assert json.loads(events[-1].data)["status"] in ("success", "error", "interrupted")
        for event in events:
            assert json.loads(event.data)["type"] == event.event
        stats["streams ending with done"] += 1
    elif status == 200:
        assert isinstance(json.loads(body), dict), body[:200]


async def parse_sse(body: bytes) -> list[ServerSentEvent]:
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    return [sse async for sse in EventSource(response).aiter_sse()]


Send = Callable[[httpx.AsyncClient, Any], Awaitable[httpx.Response]]


def run_fuzz(
    label: str,
    adapter: str,
    strategy: st.SearchStrategy[Any],
    send: Send,
    *,
    streams: bool = False,
    thread: str = "t-1",
) -> None:
    """Send `FUZZ_EXAMPLES` examples to a fresh app on `adapter`, all on one event
    loop, checking each response; then check that no run is left behind."""
    app = mount(adapter, talkative_graph(), auth=AUTH)
    loop = asyncio.new_event_loop()
    # A crash inside the app becomes the 500 a real server would answer.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://test", headers=KEY)
    stats: Stats = Counter()
    examples = 0

    async def one(value: Any) -> None:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            response = await send(client, value)
            try:
                await check_response(response, stats, streams=streams)
            finally:
                await response.aclose()

    try:
        created = loop.run_until_complete(
            client.post("/invoke", json={"message": "hi", "thread_id": thread})
        )
        assert created.status_code == 200, created.text

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,  # every call of run_fuzz would share one key in it
            report_multiple_bugs=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(value=strategy)
        def fuzz(value: Any) -> None:
            nonlocal examples
            examples += 1
            loop.run_until_complete(one(value))

        fuzz()
        leftover = loop.run_until_complete(leftover_runs())
        assert leftover == [], f"runs still going after every response ended: {leftover}"
    finally:
        loop.run_until_complete(client.aclose())
        close_loop(loop)
    counts = dict(sorted(stats.items()))
    print(f"\nfuzz {label} [{adapter}]: {examples} examples, responses: {counts}")


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close `loop` as asyncio.run does: cancel what is left (sse-starlette keeps a
    shutdown watcher per loop), then shut down async generators."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


async def leftover_runs() -> list[str]:
    """Run tasks still alive a moment after every response has ended."""
    deadline = time.monotonic() + 5
    while True:
        runs = [
            t.get_name()
            for t in asyncio.all_tasks()
            if t.get_name().startswith("langgraph-sse run") and not t.done()
        ]
        if not runs or time.monotonic() > deadline:
            return runs
        await asyncio.sleep(0.01)


def post_to(url: str) -> Send:
    async def send(client: httpx.AsyncClient, body: Any) -> httpx.Response:
        if isinstance(body, RawBody):
            headers = {"content-type": "application/json"}
            request = client.build_request("POST", url, content=bytes(body), headers=headers)
        else:
            request = client.build_request("POST", url, json=body)
        return await client.send(request, stream=True)

    return send


def get_from(url: str) -> Send:
    async def send(client: httpx.AsyncClient, params: Query) -> httpx.Response:
        return await client.send(client.build_request("GET", url, params=params), stream=True)

    return send


# The broad fuzz steers clear of THREAD_HEADER_BUG (header_safe_*), which has its
# own test below; drop the .map(...) once it is fixed.


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_post_stream(adapter: str) -> None:
    bodies = run_body().map(header_safe_body)
    run_fuzz("POST /stream", adapter, bodies, post_to("/stream"), streams=True)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_get_stream(adapter: str) -> None:
    params = stream_query().map(header_safe_query)
    run_fuzz("GET /stream", adapter, params, get_from("/stream"), streams=True)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_post_invoke(adapter: str) -> None:
    # Everything but `input`, which the graph itself validates: see the next test.
    run_fuzz("POST /invoke", adapter, run_body(exclude=("input",)), post_to("/invoke"))


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=INVOKE_500_BUG)
@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_post_invoke_with_any_input(adapter: str) -> None:
    bodies = st.fixed_dictionaries(
        {"input": FIELDS["input"]}, optional={"thread_id": st.sampled_from(["t-1", "t-new"])}
    )
    run_fuzz("POST /invoke (input)", adapter, bodies, post_to("/invoke"))


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=THREAD_HEADER_BUG)
@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_stream_with_any_valid_thread_id(adapter: str) -> None:
    # Any 1 to 256 characters is a valid thread id (/invoke and /threads take them all).
    thread_ids = st.text(min_size=1, max_size=256)

    async def send(client: httpx.AsyncClient, thread_id: str) -> httpx.Response:
        body = {"message": "hi", "thread_id": thread_id}
        return await client.send(client.build_request("POST", "/stream", json=body), stream=True)

    run_fuzz("POST /stream (thread_id)", adapter, thread_ids, send, streams=True)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_get_history(adapter: str) -> None:
    params = query(HISTORY_QUERY_KEYS)
    run_fuzz("GET /threads/x/history", adapter, params, get_from("/threads/x/history"), thread="x")


# -- 3. disconnect storm against uvicorn in a subprocess -----------------------

STORM_CLIENTS = 500
DRAIN_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


class StormServer:
    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log = log


@pytest.fixture
def storm_server(tmp_path: Path) -> Iterator[StormServer]:
    """`tests/storm_app.py` served by uvicorn in a subprocess on 127.0.0.1; always stopped."""
    log = tmp_path / "uvicorn.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "tests.storm_app:app"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, f"uvicorn exited: {log.read_text()}"
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"uvicorn did not start: {log.read_text()}"
            time.sleep(0.05)
        yield StormServer(process, base_url, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


async def first_custom_event(client: httpx.AsyncClient) -> None:
    async with aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source:
        assert source.response.status_code == 200
        async for sse in source.aiter_sse():
            if sse.event == "custom":
                return
    raise AssertionError("the stream ended before its first custom event")


async def test_disconnect_storm_leaves_nothing_running(storm_server: StormServer) -> None:
    pid = storm_server.process.pid
    async with httpx.AsyncClient(base_url=storm_server.base_url, timeout=10) as probe:
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
            base_url=storm_server.base_url,
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
    log = storm_server.log.read_text()
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

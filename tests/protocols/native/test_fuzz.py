"""Hypothesis throws random JSON bodies, query strings and headers at the
endpoints of all three adapters: never a 5xx, a 200 stream always ends with
`done`, and every 4xx is JSON with a `detail`.

Run with `pytest -s` to see the figures each test prints.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, get_args
from urllib.parse import unquote

import httpx
import pytest
from httpx_sse import EventSource, ServerSentEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langgraph_sse import STREAM_MODES, EndStatus
from tests.apps import ADAPTERS, mount
from tests.protocols.native.hostile import AUTH, KEY, USER_INPUT, talkative_graph

# Known and documented: LangGraph saves an input checkpoint before it finds it
# cannot apply the input, so a refused input (422) stays in the thread's history.
REFUSED_INPUT_RECORDED = (
    "LangGraph records the input as a checkpoint (source 'input') before refusing it; "
    "the server answers 422 and going on from there answers 422 again, but the "
    "checkpoint stays (documented)."
)


FUZZ_EXAMPLES = 100
REQUEST_TIMEOUT = 20.0  # a request that takes longer is a hang

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
BIG_INT = st.integers(min_value=2**64) | st.integers(max_value=-(2**63) - 1)
HUGE_TEXT = st.sampled_from(["x" * 100_001, "é" * 60_000, "\x00" * 1000, "y" * (1 << 20)])
TEXT = st.text(max_size=40) | st.sampled_from(["", " ", "\n", "\x00", "null", "{}", "é😀"])


def json_values(integers: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none()
        | st.booleans()
        | integers
        | st.floats(allow_nan=False, allow_infinity=False)
        | TEXT,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4)
        ),
        max_leaves=12,
    )


JSON = json_values(INT64 | BIG_INT)
MODE = st.sampled_from([*STREAM_MODES, "bogus", "", "Values", "messages,custom", "events"])


def graph_input(any_json: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Graph inputs: state dicts with well- and ill-formed messages, junk keys, any JSON."""
    messages = st.lists(
        st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "human", "ai", "system", "tool", "weird"])},
            optional={"content": TEXT | any_json},
        ),
        max_size=3,
    )
    state = st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries({}, optional={"messages": messages | any_json}),
        st.dictionaries(TEXT, any_json, max_size=2),
    )
    return state | any_json


def run_fields(any_json: st.SearchStrategy[Any]) -> dict[str, st.SearchStrategy[Any]]:
    """Every field of a run request, with values of the right type and of any other."""
    return {
        "thread_id": TEXT | st.text(min_size=250, max_size=300) | any_json,
        "input": graph_input(any_json),
        "message": TEXT | HUGE_TEXT | any_json,
        "command": st.fixed_dictionaries({}, optional={"resume": any_json, "update": any_json})
        | any_json,
        "config": st.fixed_dictionaries(
            {},
            optional={
                "recursion_limit": INT64 | any_json,
                "tags": st.lists(TEXT) | any_json,
                "configurable": st.dictionaries(
                    st.sampled_from(["thread_id", "checkpoint_ns", "__pregel_send", "model"])
                    | TEXT,
                    any_json,
                    max_size=2,
                ),
                "metadata": any_json,
                "run_name": TEXT | any_json,
                "callbacks": any_json,
            },
        )
        | any_json,
        "stream_mode": MODE | st.lists(MODE, max_size=4) | any_json,
        "subgraphs": st.booleans() | any_json,
        "multitask_strategy": st.sampled_from(["reject", "interrupt", "enqueue", "queue"])
        | any_json,
        "on_disconnect": st.sampled_from(["cancel", "continue", "stop"]) | any_json,
    }


class RawBody(bytes):
    """A body sent as it is, not serialized as JSON."""


def run_body(any_json: st.SearchStrategy[Any] = JSON) -> st.SearchStrategy[Any]:
    """Request bodies: the real fields with values of every type, junk keys,
    any other JSON, raw bytes that are not JSON, and sizes over the limits."""
    structured = st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries({}, optional=run_fields(any_json)),
        st.dictionaries(TEXT, any_json, max_size=2) | st.just({}),
    )
    plausible = st.fixed_dictionaries(
        {"message": TEXT},
        optional={
            "thread_id": st.sampled_from(["t-1", "t-2", "é", "x" * 256]) | TEXT,
            "stream_mode": st.lists(st.sampled_from(STREAM_MODES), min_size=1, max_size=3),
            "subgraphs": st.booleans(),
            "multitask_strategy": st.sampled_from(["reject", "interrupt", "enqueue"]),
        },
    )
    raw = st.binary(max_size=100) | st.sampled_from([b"", b"{", b"[]", b'{"message": "hi"'])
    return plausible | structured | any_json | raw.map(RawBody)


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
    return not any(c in value for c in b"\r\n\x00") and value == value.strip(b" \t")


Stats = Counter[str]


async def check_response(
    response: httpx.Response, stats: Stats, *, streams: bool, replay: bool = False
) -> list[ServerSentEvent]:
    """The properties every fuzzed response must have; reads the body and answers
    its events (for a 200 stream). A `replay` may be empty (nothing after the
    Last-Event-ID); a run's own stream starts with `metadata`."""
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
        for event in events:
            assert json.loads(event.data)["type"] == event.event
        if replay and not events:
            return events
        assert events, "an empty stream"
        if not replay:
            assert events[0].event == "metadata", events[0]
        assert events[-1].event == "done", f"the stream ended with {events[-1]}"
        assert json.loads(events[-1].data)["status"] in get_args(EndStatus)
        stats["streams ending with done"] += 1
        return events
    elif 200 <= status < 300 and status != 204:
        assert isinstance(json.loads(body), dict), body[:200]
    return []


async def parse_sse(body: bytes) -> list[ServerSentEvent]:
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    return [sse async for sse in EventSource(response).aiter_sse()]


Send = Callable[[httpx.AsyncClient, Any], Awaitable[httpx.Response]]
Expect = Callable[[Any, httpx.Response, list[ServerSentEvent]], None]


def run_fuzz(
    label: str,
    adapter: str,
    strategy: st.SearchStrategy[Any],
    send: Send | Callable[[dict[str, Any]], Send],
    *,
    streams: bool = False,
    replay: bool = False,
    expect: Expect | None = None,
    thread: str = "t-1",
) -> None:
    """Send `FUZZ_EXAMPLES` examples to a fresh app on `adapter`, all on one event
    loop, checking each response (and `expect(value, response, events)`); then
    check that no run is left behind.

    Thread `thread` exists beforehand. With `replay`, `send` is called with the
    `RunInfo` of a finished run first, to make the actual sender.
    """
    app = mount(adapter, talkative_graph(), auth=AUTH)
    loop = asyncio.new_event_loop()
    # A crash inside the app becomes the 500 a real server would answer.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://test", headers=KEY)
    stats: Stats = Counter()
    examples = 0

    try:
        created = loop.run_until_complete(
            client.post("/invoke", json={"message": "hi", "thread_id": thread})
        )
        assert created.status_code == 200, created.text
        if replay:
            info = loop.run_until_complete(finished_run(client))
            send = send(info)  # type: ignore[call-arg,assignment]
        sender: Send = send  # type: ignore[assignment]

        async def one(value: Any) -> None:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                response = await sender(client, value)
                try:
                    events = await check_response(response, stats, streams=streams, replay=replay)
                finally:
                    await response.aclose()
            if expect is not None:
                expect(value, response, events)

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


async def finished_run(client: httpx.AsyncClient) -> dict[str, Any]:
    """The `RunInfo` of a run started with `POST /runs`, once it has finished."""
    started = await client.post("/runs", json={"message": "hi"})
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    deadline = time.monotonic() + 10
    while True:
        info: dict[str, Any] = (await client.get(f"/runs/{run_id}")).json()
        if info["status"] not in ("pending", "running"):
            return info
        assert time.monotonic() < deadline, "the run did not finish"
        await asyncio.sleep(0.01)


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


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_post_stream(adapter: str) -> None:
    run_fuzz("POST /stream", adapter, run_body(), post_to("/stream"), streams=True)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_get_stream(adapter: str) -> None:
    run_fuzz("GET /stream", adapter, stream_query(), get_from("/stream"), streams=True)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_post_invoke(adapter: str) -> None:
    run_fuzz("POST /invoke", adapter, run_body(), post_to("/invoke"))


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_post_invoke_with_any_input(adapter: str) -> None:
    # Input the graph refuses is the client's fault: 422, never 500.
    bodies = st.fixed_dictionaries(
        {"input": graph_input(JSON)},
        optional={"thread_id": st.sampled_from(["t-1", "t-new"])},
    )
    run_fuzz("POST /invoke (input)", adapter, bodies, post_to("/invoke"))


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_going_on_after_a_refused_input_is_no_500(adapter: str) -> None:
    app = mount(adapter, talkative_graph())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        first = await client.post("/invoke", json={"message": "hi", "thread_id": "t"})
        assert first.status_code == 200, first.text
        refused = await client.post("/invoke", json={"input": 0, "thread_id": "t"})
        assert refused.status_code == 422, refused.text
        # `input: null` goes on from where the thread is: it has nothing pending.
        go_on = await client.post("/invoke", json={"input": None, "thread_id": "t"})
    assert go_on.status_code < 500, go_on.text


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=REFUSED_INPUT_RECORDED)
@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_a_refused_input_leaves_the_thread_as_it_was(adapter: str) -> None:
    app = mount(adapter, talkative_graph())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        first = await client.post("/invoke", json={"message": "hi", "thread_id": "t"})
        assert first.status_code == 200, first.text
        before = (await client.get("/threads/t/state")).json()
        refused = await client.post("/invoke", json={"input": 0, "thread_id": "t"})
        assert refused.status_code == 422, refused.text
        after = (await client.get("/threads/t/state")).json()
    assert (after["checkpoint_id"], after["next"]) == (before["checkpoint_id"], []), after


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_post_invoke_with_integers_beyond_64_bits(adapter: str) -> None:
    # Valid JSON, but no checkpointer and no JSON client (JavaScript reads 53 bits)
    # can keep such an integer: refused up front, not a 500 after the run.
    def in_content(n: int) -> Any:
        return {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "n": n}]}]}

    inputs = st.one_of(
        BIG_INT.map(lambda n: {**USER_INPUT, "n": n}),
        BIG_INT.map(in_content),
        BIG_INT.map(lambda n: [n]),
    )

    def expect(body: Any, response: httpx.Response, events: list[ServerSentEvent]) -> None:
        assert response.status_code == 422, response.text

    bodies = inputs.map(lambda value: {"input": value})
    run_fuzz("POST /invoke (big ints)", adapter, bodies, post_to("/invoke"), expect=expect)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_stream_with_any_thread_id(adapter: str) -> None:
    # Any 1 to 256 characters but control characters is a thread id (/invoke and
    # /threads take them too); X-Thread-Id carries it percent-encoded.
    def expect(thread_id: str, response: httpx.Response, events: list[ServerSentEvent]) -> None:
        control = any(ord(c) < 0x20 or ord(c) == 0x7F for c in thread_id)
        assert response.status_code == (422 if control else 200), repr(thread_id)
        if response.status_code == 200:
            assert unquote(response.headers["x-thread-id"]) == thread_id
            assert json.loads(events[0].data)["thread_id"] == thread_id

    async def send(client: httpx.AsyncClient, thread_id: str) -> httpx.Response:
        body = {"message": "hi", "thread_id": thread_id}
        return await client.send(client.build_request("POST", "/stream", json=body), stream=True)

    thread_ids = st.text(min_size=1, max_size=256)
    run_fuzz("POST /stream (thread_id)", adapter, thread_ids, send, streams=True, expect=expect)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_get_history(adapter: str) -> None:
    params = query(HISTORY_QUERY_KEYS)
    run_fuzz("GET /threads/x/history", adapter, params, get_from("/threads/x/history"), thread="x")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_post_runs(adapter: str) -> None:
    def expect(body: Any, response: httpx.Response, events: list[ServerSentEvent]) -> None:
        if response.status_code == 202:
            info = response.json()
            assert info["status"] in ("pending", "running", "success", "error", "interrupted")

    run_fuzz("POST /runs", adapter, run_body(), post_to("/runs"), expect=expect)


LAST_EVENT_IDS = (
    st.integers(-3, 12).map(str)
    | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
    | st.sampled_from(["", " 1", "1_0", "+2", "0x1", "1e1", "99999999999999999999999"])
)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_fuzz_join_run_after_any_last_event_id(adapter: str) -> None:
    """`GET /runs/{id}/stream` of a finished run with any Last-Event-ID (header or
    query): the events after it for one of the run's ids, 422 for anything else."""
    last = -1

    def join(info: dict[str, Any]) -> Send:
        nonlocal last
        last = info["events"] - 1  # the id (seq) of its `done`

        async def send(client: httpx.AsyncClient, value: tuple[str, str]) -> httpx.Response:
            where, last_event_id = value
            request = client.build_request(
                "GET",
                f"/runs/{info['run_id']}/stream",
                headers={"Last-Event-ID": last_event_id} if where == "header" else None,
                params={"last_event_id": last_event_id} if where == "query" else None,
            )
            return await client.send(request, stream=True)

        return send

    def expect(value: Any, response: httpx.Response, events: list[ServerSentEvent]) -> None:
        where, raw = value
        ids = [int(str(event.id)) for event in events]
        if raw == "":  # no Last-Event-ID (an empty query value may be refused)
            assert response.status_code in ((200,) if where == "header" else (200, 422))
            if response.status_code == 200:
                assert ids == list(range(last + 1))
            return
        try:
            after: int | None = int(raw)  # the server reads it the same way
        except ValueError:
            after = None
        if after is None or not 0 <= after <= last:
            assert response.status_code == 422, (raw, ids)
        elif after == last:  # read to its end: 204 tells an EventSource to stop
            assert response.status_code == 204 and not events, response.status_code
        else:
            assert response.status_code == 200, response.status_code
            assert ids == list(range(after + 1, last + 1))

    values = st.tuples(st.sampled_from(["header", "query"]), LAST_EVENT_IDS)
    run_fuzz(
        "GET /runs/{id}/stream", adapter, values, join, streams=True, replay=True, expect=expect
    )


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_join_with_a_last_event_id_not_of_the_run_is_422(adapter: str) -> None:
    app = mount(adapter, talkative_graph())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        info = await finished_run(client)
        run_id = info["run_id"]
        last = info["events"] - 1
        statuses = {}
        for last_event_id in ("-1", str(last + 1), "1000000"):
            response = await client.get(
                f"/runs/{run_id}/stream", headers={"Last-Event-ID": last_event_id}
            )
            statuses[last_event_id] = response.status_code
    assert statuses == dict.fromkeys(statuses, 422), statuses


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_joining_the_run_of_an_invoke(adapter: str) -> None:
    # The run id /invoke answers names a run: following it gives its events (or a
    # 404), not an empty stream that never says `done`.
    app = mount(adapter, talkative_graph())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        invoked = await client.post("/invoke", json={"message": "hi"})
        run_id = invoked.json()["run_id"]
        info = await client.get(f"/runs/{run_id}")
        joined = await client.get(f"/runs/{run_id}/stream")
    if info.status_code == 200:
        assert info.json()["events"] > 0, info.json()
    if joined.status_code == 200:
        events = await parse_sse(joined.content)
        assert [e.event for e in events[:1]] == ["metadata"], joined.text
        assert events[-1].event == "done", joined.text
    else:
        assert joined.status_code == 404, joined.text

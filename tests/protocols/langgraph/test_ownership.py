"""With `api_key_auth`, a thread and its runs are their creator's on every
LangGraph-protocol path: to another principal they do not exist (404)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import AuthenticationError, ConflictError, NotFoundError

pytestmark = pytest.mark.timeout(60)

HI = {"messages": [{"role": "user", "content": "hi"}]}


async def test_another_principals_thread_and_runs_are_404_everywhere(private_url: str) -> None:
    alice = get_client(url=private_url, api_key="key-alice")
    bob = get_client(url=private_url, api_key="key-bob")
    thread = (await alice.threads.create(metadata={"secret": 1}))["thread_id"]
    run = await alice.runs.create(thread, "agent", input=HI)
    await alice.runs.join(thread, run["run_id"])
    checkpoint = (await alice.threads.get_state(thread))["checkpoint"]["checkpoint_id"]
    run_id = run["run_id"]

    attempts: dict[str, Callable[[], Awaitable[Any]]] = {
        "threads.get": lambda: bob.threads.get(thread),
        "threads.update": lambda: bob.threads.update(thread, metadata={"x": 1}),
        "threads.delete": lambda: bob.threads.delete(thread),
        "threads.get_state": lambda: bob.threads.get_state(thread),
        "threads.get_state at": lambda: bob.threads.get_state(thread, checkpoint_id=checkpoint),
        "threads.get_history": lambda: bob.threads.get_history(thread),
        "threads.update_state": lambda: bob.threads.update_state(thread, {"messages": []}),
        "runs.create": lambda: bob.runs.create(thread, "agent", input=HI),
        "runs.list": lambda: bob.runs.list(thread),
        "runs.get": lambda: bob.runs.get(thread, run_id),
        "runs.cancel": lambda: bob.runs.cancel(thread, run_id),
        "runs.join": lambda: bob.runs.join(thread, run_id),
    }
    for name, attempt in attempts.items():
        with pytest.raises((NotFoundError, httpx.HTTPStatusError)) as refused:
            await attempt()
        status = getattr(refused.value, "status_code", None) or refused.value.response.status_code
        assert status == 404, name
    with pytest.raises((NotFoundError, httpx.HTTPStatusError)):
        [part async for part in bob.runs.stream(thread, "agent", input=HI)]
    with pytest.raises((NotFoundError, httpx.HTTPStatusError)):
        [part async for part in bob.runs.join_stream(thread, run_id, last_event_id="-1")]
    with pytest.raises(ConflictError):  # as if it existed: Bob cannot take the id
        await bob.threads.create(thread_id=thread)

    assert await bob.threads.search() == []
    [mine] = await alice.threads.search()
    assert mine["thread_id"] == thread and mine["metadata"]["secret"] == 1
    assert mine["values"]["messages"][0]["content"] == "hi"

    nobody = get_client(url=private_url, api_key=None)
    with pytest.raises(AuthenticationError):
        await nobody.threads.search()
    async with httpx.AsyncClient(base_url=private_url) as http:
        assert (await http.get("/info")).status_code == 200  # the UIs probe it first
        assert (await http.post("/threads/search", json={})).status_code == 401

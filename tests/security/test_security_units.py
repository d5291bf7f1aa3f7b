"""Auth, ownership and limits on their own: the checks a one-line bug would break."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from langgraph_sse import (
    AuthError,
    GraphService,
    InvalidField,
    JSONFormat,
    Limits,
    NotFound,
    Principal,
    RunSpec,
    ThreadOwnership,
    bearer_auth,
    jwt_verifier,
)
from tests import graphs
from tests.apps import mount
from tests.conftest import asgi_client
from tests.principals import ALICE, HELLO

SECRET = "test-secret-that-is-long-enough-for-hs256"


# -- security/auth.py ---------------------------------------------------------------


async def test_bearer_auth_takes_no_token_of_another_scheme() -> None:  # auth-03
    auth = bearer_auth(lambda token: Principal(id=f"holder of {token}"))
    app = mount("asgi", graphs.chat_graph(), auth=auth)
    async with asgi_client(app) as client:
        for headers in ({"Authorization": "Basic abc"}, {"Authorization": "Token abc"}):
            response = await client.get("/threads/x/state", headers=headers)
            assert response.status_code == 401, headers
        ok = await client.get("/threads/x/state", headers={"Authorization": "Bearer abc"})
        assert ok.status_code == 404  # authenticated; the thread does not exist


async def test_a_verifier_answering_none_is_an_invalid_bearer_token() -> None:  # auth-05
    app = mount("asgi", graphs.chat_graph(), auth=bearer_auth(lambda token: None))
    async with asgi_client(app) as client:
        response = await client.get("/threads/x/state", headers={"Authorization": "Bearer t"})
        assert response.status_code == 401
        assert response.json()["detail"] == "Invalid bearer token"


def test_jwt_verifier_checks_the_issuer() -> None:  # auth-08
    verify = jwt_verifier(SECRET, algorithms=["HS256"], issuer="https://issuer.example")
    claims = {"sub": "carol", "exp": time.time() + 60}
    good = jwt.encode({**claims, "iss": "https://issuer.example"}, SECRET, algorithm="HS256")
    assert verify(good).id == "carol"
    for bad in (
        jwt.encode({**claims, "iss": "https://evil.example"}, SECRET, algorithm="HS256"),
        jwt.encode(claims, SECRET, algorithm="HS256"),  # no issuer at all
    ):
        with pytest.raises(AuthError):
            verify(bad)


def test_jwt_verifier_needs_an_algorithm() -> None:  # auth-10
    with pytest.raises(ValueError, match="at least one algorithm"):
        jwt_verifier(SECRET, algorithms=[])


# -- security/ownership.py ----------------------------------------------------------


async def test_unowned_threads_are_closed_unless_allow_unowned() -> None:  # own-01
    graph = graphs.chat_graph("one", "two")
    service = GraphService(graph)
    # A run with no principal (server-side code) records no owner.
    run = await service.start(RunSpec(thread_id="u", input=HELLO), None, JSONFormat())
    await run.wait()
    assert run.status == "success"
    with pytest.raises(NotFound):
        await service.threads.state("u", ALICE)
    shared = GraphService(graph, ownership=ThreadOwnership(allow_unowned=True))
    assert (await shared.threads.state("u", ALICE))["thread_id"] == "u"


# -- security/limits.py -------------------------------------------------------------


def test_a_message_of_exactly_max_message_chars_passes() -> None:  # lim-01
    limits = Limits(max_message_chars=5)
    limits.check_message("12345")
    with pytest.raises(InvalidField):
        limits.check_message("123456")


def test_langgraph_configurable_keys_are_refused_even_if_listed() -> None:  # lim-05
    limits = Limits(configurable_keys=frozenset({"model", "__pregel_store"}))
    limits.check_config({"configurable": {"model": "small"}})
    with pytest.raises(InvalidField) as refused:
        limits.check_config({"configurable": {"__pregel_store": None}})
    assert refused.value.loc == ("config", "configurable", "__pregel_store")


async def test_default_body_cap_is_one_mib() -> None:  # lim-09
    app = mount("asgi", graphs.chat_graph("x"))
    async with asgi_client(app) as client:
        body = json.dumps({"message": "x" * (1024 * 1024)}).encode()
        response = await client.post(
            "/invoke", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413


def test_default_run_byte_cap_is_64_mib() -> None:  # lim-10
    assert Limits().max_run_bytes == 64 * 1024 * 1024

"""Public API surface, and the optional FastAPI extra."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

import pytest

import langgraph_sse


def test_every_public_function_and_class_is_documented() -> None:
    for name in langgraph_sse.__all__:
        obj = getattr(langgraph_sse, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


def test_core_and_starlette_paths_work_without_fastapi() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["fastapi"] = None  # as if the extra were not installed
        import httpx, asyncio
        import langgraph_sse
        from langgraph_sse import make_asgi_app, make_routes
        from tests import graphs
        assert "fastapi" not in [m for m in sys.modules if sys.modules[m] is not None]

        async def main():
            app = make_asgi_app(graphs.chat_graph("no fastapi needed"))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                r = await client.post("/stream", json={"message": "hi"})
                assert r.status_code == 200 and "no" in r.text, r.text
        asyncio.run(main())
        try:
            langgraph_sse.make_router
        except ImportError:
            print("router needs fastapi")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "router needs fastapi" in done.stdout


@pytest.mark.parametrize(
    ("extra", "module", "use"),
    [
        ("fastapi", "fastapi", "langgraph_sse.make_router"),
        ("redis", "redis", "langgraph_sse.RedisBroker()"),
        ("jwt", "jwt", "langgraph_sse.jwt_verifier('k', algorithms=['HS256'])"),
        (
            "sqlite",
            "langgraph.checkpoint.sqlite",
            "asyncio.run(langgraph_sse.sqlite_checkpointer(None, ':memory:').__aenter__())",
        ),
        ("ag-ui", "ag_ui", "langgraph_sse.AGUIProtocol"),
        ("ag-ui", "ag_ui", "langgraph_sse.make_asgi_app(graphs.chat_graph('x'), protocol='ag-ui')"),
        (
            "postgres",
            "psycopg_pool",
            "asyncio.run(langgraph_sse.postgres_checkpointer(None, 'x').__aenter__())",
        ),
    ],
)
def test_a_missing_extra_says_what_to_install(extra: str, module: str, use: str) -> None:
    code = textwrap.dedent(
        f"""
        import asyncio, sys
        sys.modules[{module!r}] = None  # as if the extra were not installed
        import langgraph_sse
        from tests import graphs
        try:
            {use}
        except ImportError as exc:
            print(exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f'pip install "langgraph-sse[{extra}]"' in done.stdout


def test_an_uncompiled_graph_is_refused_when_mounted() -> None:
    from langgraph.graph import StateGraph

    from langgraph_sse import GraphService, make_asgi_app, make_router, make_routes
    from tests.graphs import State

    builder = StateGraph(State)
    for mount in (GraphService, make_routes, make_asgi_app, make_router):
        with pytest.raises(TypeError, match=r"StateGraph: call \.compile\(\) on it first"):
            mount(builder)  # type: ignore[operator]


async def test_a_graph_without_checkpointer_is_reported_at_startup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from langgraph_sse import make_routes
    from tests import graphs

    routes = make_routes(graphs.chat_graph("x", checkpointer=False))
    caplog.set_level(logging.WARNING, logger="langgraph_sse")
    async with routes.lifespan(None):
        pass
    [record] = [r for r in caplog.records if r.name == "langgraph_sse"]
    assert "has no checkpointer" in record.getMessage()
    caplog.clear()
    async with make_routes(graphs.chat_graph("x")).lifespan(None):
        pass
    assert not [r for r in caplog.records if r.name == "langgraph_sse"]

"""Public API surface, and the optional FastAPI extra."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

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

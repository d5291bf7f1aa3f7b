"""The optional extras: an import that needs one says which to install."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["extra"]


@contextmanager
def extra(name: str) -> Iterator[None]:
    """Imports inside need `pip install "langgraph-sse[name]"`: a missing module
    raises an `ImportError` that says so.

    ```python
    with extra("redis"):
        from redis.asyncio import Redis
    ```
    """
    try:
        yield
    except ModuleNotFoundError as exc:
        raise ImportError(
            f'{exc.name!r} is not installed; it comes with: pip install "langgraph-sse[{name}]"',
            name=exc.name,
        ) from exc

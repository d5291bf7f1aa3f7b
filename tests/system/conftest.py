"""Fixtures of the system tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from langgraph_sse import RedisBroker
from tests.servers import REDIS


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A Redis key prefix of this test's own; its keys are removed afterwards."""
    prefix = f"langgraph-sse-test:{uuid.uuid4().hex}:"
    yield prefix
    cleaner = RedisBroker(REDIS, prefix=prefix)
    keys = [key async for key in cleaner.redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await cleaner.redis.delete(*keys)
    await cleaner.aclose()

"""A replica for benchmarks.redis_follow: the benchmark graph shared through Redis.

`make_asgi_app(graph, stream_mode="messages", broker=RedisBroker(...))`, the graph
without a checkpointer (its runs hold no thread, so none is claimed in Redis):
what a replica does for a run it shares is copy its frames to Redis; what it does
for a run running on another is follow them there. Redis is `$REDIS_FOLLOW_URL`
(`redis://127.0.0.1:6379/0` by default), keys under `$REDIS_FOLLOW_PREFIX`; the
broker's `batch_interval` and `lease` are the defaults.

Run it with `REDIS_FOLLOW_PREFIX=bench: uvicorn benchmarks.replica_apps:app`.
"""

from __future__ import annotations

import gc
import os

from benchmarks.graph import build_graph

from langgraph_sse import RedisBroker, make_asgi_app

broker = RedisBroker(
    os.environ.get("REDIS_FOLLOW_URL", "redis://127.0.0.1:6379/0"),
    prefix=os.environ.get("REDIS_FOLLOW_PREFIX", "langgraph-sse-bench:"),
)
app = make_asgi_app(build_graph(), stream_mode="messages", broker=broker)

# As every benchmarked process does (benchmarks.apps): freeze the startup heap.
gc.collect()
gc.freeze()

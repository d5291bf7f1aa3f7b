"""The core: a graph run becomes typed events, runs, and the service that owns them.

Nothing here imports a web framework: [events][langgraph_sse.core.events] are the
typed events, [translate][langgraph_sse.core.translate] turns a graph run into
them, [run][langgraph_sse.core.run] drives one run in its own task with a log of
encoded frames, [manager][langgraph_sse.core.manager] keeps a process's runs,
[broker][langgraph_sse.core.broker] shares them between replicas, and
[service][langgraph_sse.core.service] ties it all together for every protocol.
"""

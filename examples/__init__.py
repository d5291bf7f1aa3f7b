"""Runnable examples: each module exposes ``app``; start one with ``uvicorn examples.<name>:app``.

They run on a fake chat model (no network, no API key) unless ``ANTHROPIC_API_KEY`` is
set and ``langchain-anthropic`` is installed; see :mod:`examples._model`.
"""

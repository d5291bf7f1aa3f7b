"""The chat page (`chat_page`) in a real browser: headless Chromium driven by
Playwright, against `tests.browser.chat_app` (tests.agent_graph's graph under
`/agent`, the page at `/`) on real uvicorn, and against the demo app.

Every assertion reads the page's DOM. Without a Chromium on the PATH the tests
skip with the reason, unless `LANGGRAPH_SSE_REQUIRE_BROWSER=1`. With
`LANGGRAPH_SSE_SCREENSHOT=<file.png>`, `test_a_whole_conversation` saves a
screenshot of the page at the interrupt (how `docs/img/chat-page.png` is made).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.agent_graph import REPLY, SLOW_TOKENS, SUBGRAPH_REPLY, TOOL_RESULT
from tests.browser import chat_app
from tests.conftest import Serve, Spawn
from tests.proxy import Proxy

playwright = pytest.importorskip("playwright.async_api", reason="playwright is not installed")

pytestmark = pytest.mark.timeout(180)

Page = playwright.Page


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "no chromium on the PATH (apt-get install chromium) for the chat page tests"
        if os.environ.get("LANGGRAPH_SSE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    """A fresh browser page; the test fails if the page throws."""
    executable = chromium()
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=executable, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1100, "height": 880})
            tab = await context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            yield tab
            assert errors == [], errors
        finally:
            await browser.close()


@pytest.fixture
async def chat_url(serve: Serve) -> str:
    return await serve(chat_app.build())


async def send(page: Page, text: str) -> None:
    """Type `text` and press Enter, as a user does."""
    await page.fill("#input", text)
    await page.press("#input", "Enter")


async def settled(page: Page, timeout: float = 30_000) -> None:
    """Wait until the page has read its run to the end (or failed)."""
    await page.wait_for_selector("body[data-state=idle]", timeout=timeout)


async def replies(page: Page) -> list[str]:
    return await page.locator("#log .msg.assistant").all_text_contents()


async def thread_of(page: Page) -> str:
    thread = await page.locator("#threads li.current button").get_attribute("data-thread-id")
    assert thread
    return thread


async def test_the_reply_streams_into_the_page(page: Page, chat_url: str) -> None:
    await page.goto(chat_url)
    await send(page, "Hi")
    await settled(page)
    assert await page.locator("#log .msg.user").all_text_contents() == ["Hi"]
    assert await replies(page) == [REPLY, SUBGRAPH_REPLY]
    assert await page.locator("#log .progress").all_text_contents() == ["50%"]  # custom event
    assert await page.locator("#status").text_content() == "Done"
    assert await page.locator("#threads button").all_text_contents() == ["Hi"]


async def test_a_tool_call_shows_its_arguments_and_result(page: Page, chat_url: str) -> None:
    await page.goto(chat_url)
    await send(page, "What's the weather?")
    await settled(page)
    tool = page.locator("#log .tool")
    assert await tool.count() == 1
    assert await tool.locator(".name").text_content() == "get_weather"
    assert await tool.locator(".args").text_content() == '{"city":"Paris"}'
    assert await tool.locator(".result").text_content() == TOOL_RESULT
    assert await replies(page) == [f"The tool said: {TOOL_RESULT}", SUBGRAPH_REPLY]


@pytest.mark.parametrize(("button", "answer"), [("approve", "True"), ("reject", "False")])
async def test_an_interrupt_is_answered_with_its_buttons(
    page: Page, chat_url: str, button: str, answer: str
) -> None:
    await page.goto(chat_url)
    await send(page, "Please approve")
    await settled(page)
    assert await page.locator("#status").text_content() == "Waiting for your answer"
    assert await page.locator("#log .interrupt .question").text_content() == "approve?"
    await page.click(f"#log .interrupt button.{button}")
    await settled(page)
    assert await replies(page) == [REPLY, f"approval answer: {answer}", SUBGRAPH_REPLY]
    assert await page.locator("#log .interrupt button:disabled").count() == 2
    assert await page.locator("#status").text_content() == "Done"


async def test_a_whole_conversation(page: Page, chat_url: str) -> None:
    """Three turns on one thread; the screenshot of the docs is taken at the interrupt."""
    await page.goto(chat_url)
    for text in ("Hi", "What's the weather in Paris?", "Send the report: approve?"):
        await send(page, text)
        await settled(page)
    assert await page.locator("#threads button").all_text_contents() == ["Hi"]
    await page.wait_for_timeout(100)  # the log scrolls to its end on the next frame
    shot = os.environ.get("LANGGRAPH_SSE_SCREENSHOT")
    if shot:
        await page.screenshot(path=shot)
    await page.click("#log .interrupt button.approve")
    await settled(page)
    assert await replies(page) == [
        *(REPLY, SUBGRAPH_REPLY),
        *(f"The tool said: {TOOL_RESULT}", SUBGRAPH_REPLY),
        *(REPLY, "approval answer: True", SUBGRAPH_REPLY),
    ]


async def test_threads_are_listed_and_reloaded_from_their_state(page: Page, chat_url: str) -> None:
    await page.goto(chat_url)
    await send(page, "What's the weather?")
    await settled(page)
    first = await thread_of(page)
    await page.click("#new-thread")
    assert await page.locator("#log > li").count() == 0
    await send(page, "Hi")
    await settled(page)
    assert await page.locator("#threads button").all_text_contents() == [
        "Hi",
        "What's the weather?",
    ]

    await page.reload()  # reopens the thread shown, from GET /threads/{id}/state
    await settled(page)
    assert await page.locator("#log .msg.user").all_text_contents() == ["Hi"]
    assert await replies(page) == [REPLY, SUBGRAPH_REPLY]

    await page.click(f'#threads button[data-thread-id="{first}"]')
    await settled(page)
    assert await page.locator("#log .msg.user").all_text_contents() == ["What's the weather?"]
    assert await page.locator("#log .tool .args").all_text_contents() == ['{"city":"Paris"}']
    assert await page.locator("#log .tool .result").all_text_contents() == [TOOL_RESULT]
    assert await replies(page) == [f"The tool said: {TOOL_RESULT}", SUBGRAPH_REPLY]

    await send(page, "Hi again")  # goes on the same thread
    await settled(page)
    assert await thread_of(page) == first
    assert await page.locator("#log .msg.user").all_text_contents() == [
        "What's the weather?",
        "Hi again",
    ]


async def test_a_pending_interrupt_is_offered_again_after_a_reload(
    page: Page, chat_url: str
) -> None:
    await page.goto(chat_url)
    await send(page, "Please approve")
    await settled(page)
    await page.reload()
    await settled(page)
    assert await page.locator("#log .interrupt .question").text_content() == "approve?"
    await page.click("#log .interrupt button.approve")
    await settled(page)
    assert await replies(page) == [REPLY, "approval answer: True", SUBGRAPH_REPLY]


async def test_a_dropped_connection_resumes_without_losing_or_repeating_text(
    page: Page, serve: Serve
) -> None:
    """The browser reaches the app through a TCP proxy that the test cuts while the
    slow reply streams (20 tokens, 0.25 s apart): the page reconnects with
    Last-Event-ID and the reply ends whole, each token once; the run went on
    meanwhile (no second run: the thread has the reply once)."""
    upstream = await serve(chat_app.build())
    proxy = await Proxy(urlsplit(upstream).port or 80).start()
    try:
        await page.goto(proxy.url("http", "/"))
        await send(page, "slow please")
        bubble = page.locator("#log .msg.assistant").first
        await page.wait_for_selector("#log .msg.assistant.streaming:has-text('tok3')")
        partial = await bubble.text_content()
        assert partial and partial.startswith("tok0 tok1 tok2 tok3")
        assert partial != " ".join(SLOW_TOKENS)  # it streams: the reply is not whole yet

        proxy.cut()
        await page.wait_for_selector("body[data-state=reconnecting]", timeout=10_000)
        await asyncio.sleep(1.5)  # tokens go on meanwhile, with no one reading
        proxy.restore()
        await settled(page)

        assert await replies(page) == [" ".join(SLOW_TOKENS), SUBGRAPH_REPLY]
        assert int(await page.locator("body").get_attribute("data-reconnects") or 0) >= 1
        assert await page.locator("#status").text_content() == "Done"
        assert await page.locator("#log .error").count() == 0

        thread = await thread_of(page)
        async with httpx.AsyncClient(base_url=upstream) as client:
            state = (await client.get(f"{chat_app.API}/threads/{thread}/state")).json()
        assert [(m["type"], m["content"]) for m in state["values"]["messages"]] == [
            ("human", "slow please"),
            ("ai", " ".join(SLOW_TOKENS)),
            ("ai", SUBGRAPH_REPLY),
        ]
    finally:
        await proxy.close()


async def test_a_reload_mid_run_rejoins_the_run(page: Page, chat_url: str) -> None:
    """Leaving the page does not stop the run (it was started with POST /runs):
    reloading shows the thread's state and the rest of the run, each token once."""
    await page.goto(chat_url)
    await send(page, "slow please")
    await page.wait_for_selector("#log .msg.assistant:has-text('tok2')")
    await page.reload()
    await settled(page)
    assert await page.locator("#log .msg.user").all_text_contents() == ["slow please"]
    assert await replies(page) == [" ".join(SLOW_TOKENS), SUBGRAPH_REPLY]


async def test_text_is_shown_as_text_never_as_html(page: Page, chat_url: str) -> None:
    markup = '<img src=x onerror="document.body.dataset.pwned=1"><b>b</b>'  # 60 chars
    await page.goto(chat_url)
    await send(page, markup)
    await settled(page)
    await page.reload()  # now the text comes back from the server's thread state
    await settled(page)
    assert await page.locator("#log .msg.user").all_text_contents() == [markup]
    assert await page.locator("#threads button").all_text_contents() == [markup]
    assert await page.locator("#log img, #log b, #threads img").count() == 0
    assert await page.locator("body").get_attribute("data-pwned") is None


async def test_the_demo_serves_the_page_at_its_root(
    page: Page, spawn: Spawn, tmp_path: Path
) -> None:
    """`make demo`'s app (examples/production.py): the page at `/`, the API at `/v1`."""
    from examples._model import REPLIES

    server = await spawn(
        "examples.production:app",
        env={
            "LANGGRAPH_SSE_DB": str(tmp_path / "demo.sqlite"),
            "LANGGRAPH_SSE_TOKEN_DELAY": "0",
            "LANGGRAPH_SSE_API_KEYS": "",
            "ANTHROPIC_API_KEY": "",
        },
        health="/v1/healthz",
    )
    await page.goto(server.url + "/")
    assert await page.title() == "langgraph-sse demo"
    await send(page, "Hello")
    await settled(page)
    assert await replies(page) == [REPLIES[0]]

"""A small chat page for any graph served with the native protocol, to mount in any app.

[chat_page][langgraph_sse.http.chat_page.chat_page] returns an ASGI app serving the
files in `langgraph_sse/static` (plain HTML, CSS and JavaScript modules: no build
step, nothing fetched from elsewhere): `index.html`, `chat.js`, `chat.css`, and the
ES-module client `langgraph-sse.js` with its types `langgraph-sse.d.ts`. Mount it
next to the endpoints and tell it where they are:

```python
app = FastAPI(lifespan=...)
app.include_router(make_router(graph, prefix="/v1"))
app.mount("/", chat_page(api="/v1"))  # last: a mount at "/" answers every path left
```

With Starlette: `Starlette(routes=[Mount("/v1", routes=make_routes(graph)),
Mount("/chat", chat_page(api="/v1"))])`.

The page streams the reply as it comes, shows tool calls with their arguments and
results, progress (`custom` events) and interrupts (approve / reject, which resume
the thread); it lists the threads it started (kept in the browser's
`localStorage`, each re-loaded from `GET /threads/{id}/state`), and it reads every
run with `POST /runs` then `GET /runs/{run_id}/stream`, reconnecting with
`Last-Event-ID` when the connection drops, so no text is lost or repeated.

`api` is rendered into the page (a `<meta name="langgraph-sse-api">`): the page
never takes it from its URL, so a link cannot point it at another server. Every
response carries a Content-Security-Policy allowing only this page's own scripts
and styles, and requests to this origin and `api`'s.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

__all__ = ["STATIC_DIR", "ChatPage", "chat_page"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
"""The page's files, inside the installed package."""

_API_META = '<meta name="langgraph-sse-api" content="">'
_TITLE = re.compile(r"<title>[^<]*</title>")
_ORIGIN = re.compile(
    r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$"
)

# What each file is, whatever the machine's MIME table says (a module script must
# be served as JavaScript; `.ts` would be guessed as a video).
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ts": "text/plain; charset=utf-8",
}


def _checked_api(api: str) -> tuple[str, str | None]:
    """`api` without its trailing slashes, and its origin if it names another one.

    Raises:
        ValueError: `api` is neither a path starting with `/` nor an http(s) URL.
    """
    value = api.rstrip("/")
    if any(ord(c) < 0x21 or c in "\"'<>\\`" or ord(c) == 0x7F for c in value):
        raise ValueError(f"chat_page: api {api!r} has spaces, quotes or control characters")
    if value == "" or (value.startswith("/") and not value.startswith("//")):
        return value, None
    parts = urlsplit(value)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme in ("http", "https") and _ORIGIN.match(origin) and not parts.query:
        return value, origin
    raise ValueError(f"chat_page: api must be a path such as '/v1' or an http(s) URL, not {api!r}")


class ChatPage:
    """The ASGI app [chat_page][langgraph_sse.http.chat_page.chat_page] returns."""

    def __init__(self, api: str = "", *, title: str = "langgraph-sse chat") -> None:
        self.api, origin = _checked_api(api)
        self.title = title
        page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
        if page.count(_API_META) != 1 or len(_TITLE.findall(page)) != 1:
            raise RuntimeError("langgraph_sse/static/index.html lacks its api <meta> or <title>")
        page = page.replace(
            _API_META,
            f'<meta name="langgraph-sse-api" content="{html.escape(self.api, quote=True)}">',
        )
        page = _TITLE.sub(lambda _: f"<title>{html.escape(title)}</title>", page)
        self._index = page.encode("utf-8")
        connect = "'self'" if origin is None else f"'self' {origin}"
        self.headers = {
            "Content-Security-Policy": (
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                f"connect-src {connect}; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        }
        self._files = StaticFiles(directory=STATIC_DIR)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            return
        path = _route_path(scope)
        if path == "":  # "/chat" -> "/chat/", so the page's relative links resolve
            query = scope.get("query_string", b"").decode("latin-1")
            target = scope.get("root_path", "") + "/" + (f"?{query}" if query else "")
            await RedirectResponse(target, status_code=307, headers=self.headers)(
                scope, receive, send
            )
            return
        if path in ("/", "/index.html"):
            response: Response
            if scope["method"] not in ("GET", "HEAD"):
                response = PlainTextResponse("Method Not Allowed", 405, {"Allow": "GET, HEAD"})
            else:
                response = Response(
                    self._index,
                    media_type=_TYPES[".html"],
                    headers={**self.headers, "Cache-Control": "no-cache"},
                )
            await response(scope, receive, send)
            return
        kind = _TYPES.get(Path(path).suffix)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if kind is not None and message["status"] < 300:
                    headers["Content-Type"] = kind
            await send(message)

        await self._files(scope, receive, with_headers)


def _route_path(scope: Scope) -> str:
    """The request's path below where the app is mounted (as Starlette computes it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path


def chat_page(api: str = "", *, title: str = "langgraph-sse chat") -> ChatPage:
    """The chat page as an ASGI app, to mount in any app (FastAPI `app.mount(...)`,
    Starlette `Mount(...)`).

    Args:
        api: Where the native endpoints are, as the browser reaches them: `""` when
            they are at the root of this origin, a path such as `"/v1"` for
            `make_router(graph, prefix="/v1")`, or an `https://...` URL on another
            origin (which must then allow this page's origin in its CORS settings,
            with `Content-Type`, `X-API-Key` and `Last-Event-ID` headers).
        title: The page's title.

    Raises:
        ValueError: `api` is neither a path nor an http(s) URL.
    """
    return ChatPage(api, title=title)

"""Who is calling: pluggable authentication for every endpoint.

An *auth* is any async callable `(request) -> Principal | None`. It returns the
[Principal][langgraph_sse.security.auth.Principal] making the request, `None` to refuse it
(401), or raises [AuthError][langgraph_sse.security.auth.AuthError] to answer with its own
status (e.g. 403). Pass one as `auth=` to any adapter; every endpoint but
`/healthz` then requires it, and the stream endpoints check it before a stream
starts.

Two ready-made ones:

- [api_key_auth][langgraph_sse.security.auth.api_key_auth]: an `X-API-Key` header checked
  against your keys (in constant time) or your own lookup;
- [bearer_auth][langgraph_sse.security.auth.bearer_auth]: an `Authorization: Bearer` token
  checked by your verifier, e.g. [jwt_verifier][langgraph_sse.security.auth.jwt_verifier]
  (PyJWT, the `jwt` extra).

`EventSource` cannot set headers: with `query_param="..."` either one also takes
the credential from that query parameter, on the endpoints that stream with `GET`
(an endpoint table marks them `query_credentials`; the HTTP layer tells the auth
through [query_credentials_allowed][langgraph_sse.security.auth.query_credentials_allowed]).
Query strings end up in access logs, so prefer cookies or `fetch()` where you can.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from langgraph_sse.core.extras import extra

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = [
    "Auth",
    "AuthError",
    "Principal",
    "api_key_auth",
    "bearer_auth",
    "jwt_verifier",
    "query_credentials_allowed",
]

QUERY_CREDENTIALS = "langgraph_sse.query_credentials"
"""The ASGI scope key the HTTP layer sets on requests to endpoints that may take
credentials from the query string."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is from.

    `id` keys thread ownership and the concurrent-stream cap, and appears in
    logs: make it stable and free of secrets (a user id, not a key).
    """

    id: str
    claims: Mapping[str, Any] = field(default_factory=dict)
    """Whatever the auth learned (token claims, a user record...)."""


class Auth(Protocol):
    """Authenticates a request: the principal, or `None` to answer 401."""

    def __call__(self, request: Request) -> Awaitable[Principal | None]: ...


class AuthError(Exception):
    """Raised by an auth to refuse a request with a given status and message.

    Args:
        detail: What the client is told.
        status_code: 401 by default; e.g. 403 for a known principal refused.
        challenge: The `WWW-Authenticate` value of a 401 (how to authenticate);
            `Bearer realm="langgraph-sse"` when None.
    """

    def __init__(
        self,
        detail: str = "Not authenticated",
        status_code: int = 401,
        *,
        challenge: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.challenge = challenge


Lookup = Callable[[str], "Principal | Awaitable[Principal | None] | None"]


def api_key_auth(
    keys: Mapping[str, str] | Iterable[str] | Lookup,
    *,
    header: str = "X-API-Key",
    query_param: str | None = None,
) -> Auth:
    """Authenticate with an API key sent in a header.

    Args:
        keys: Either a mapping from key to principal id, an iterable of keys (the
            principal id is then `key-` and the first 12 hex digits of the key's
            SHA-256), or a (sync or async) lookup `key -> Principal | None` for
            keys kept in a database. Fixed keys are compared in constant time:
            the key sent is compared with every key, with no early exit.
        header: The header carrying the key.
        query_param: Also accept the key in this query parameter on
            `GET .../stream` (for `EventSource`). Off by default.
    """
    if callable(keys):
        lookup = keys
    else:
        table = dict(keys) if isinstance(keys, Mapping) else {k: _fingerprint(k) for k in keys}
        if not table:
            raise ValueError("api_key_auth needs at least one key")
        lookup = _constant_time_lookup(table)

    challenge = f'APIKey realm="langgraph-sse", header="{header}"'

    async def authenticate(request: Request) -> Principal | None:
        key = request.headers.get(header) or _from_query(request, query_param)
        if not key:
            raise AuthError(
                f"Missing API key (send it in the {header} header)", challenge=challenge
            )
        principal = await _maybe_await(lookup(key))
        if principal is None:
            raise AuthError("Invalid API key", challenge=challenge)
        return principal

    return authenticate


def bearer_auth(verify: Lookup, *, query_param: str | None = None) -> Auth:
    """Authenticate with `Authorization: Bearer <token>`.

    Args:
        verify: A (sync or async) callable `token -> Principal | None`; return
            `None` or raise [AuthError][langgraph_sse.security.auth.AuthError] for a bad
            token. See [jwt_verifier][langgraph_sse.security.auth.jwt_verifier] for JWTs.
        query_param: Also accept the token in this query parameter on
            `GET .../stream` (for `EventSource`). Off by default.
    """

    async def authenticate(request: Request) -> Principal | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            token = _from_query(request, query_param) or ""
        if not token.strip():
            raise AuthError("Missing bearer token (send Authorization: Bearer <token>)")
        principal = await _maybe_await(verify(token.strip()))
        if principal is None:
            raise AuthError("Invalid bearer token")
        return principal

    return authenticate


def jwt_verifier(
    key: Any,
    *,
    algorithms: Iterable[str],
    audience: str | Iterable[str] | None = None,
    issuer: str | None = None,
    principal_claim: str = "sub",
    leeway: float = 0,
) -> Callable[[str], Principal | None]:
    """A verifier for [bearer_auth][langgraph_sse.security.auth.bearer_auth] checking JWTs with PyJWT.

    Needs `pip install "langgraph-sse[jwt]"`. The token's signature, expiry (`exp`),
    `nbf`, and the audience and issuer when given are checked; the principal's id
    is the `principal_claim` claim and its claims are the token's.

    Args:
        key: The key to verify signatures with (a secret for HS256, a public key
            for RS256/ES256...).
        algorithms: The algorithms to accept, e.g. `["RS256"]`; never leave this
            open to what the token says.
    """
    with extra("jwt"):
        import jwt

    allowed = list(algorithms)
    if not allowed:
        raise ValueError("jwt_verifier needs at least one algorithm")

    def verify(token: str) -> Principal | None:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=allowed,
                audience=audience,
                issuer=issuer,
                leeway=leeway,
                options={"require": ["exp", principal_claim]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"Invalid bearer token: {exc}") from None
        return Principal(id=str(claims[principal_claim]), claims=claims)

    return verify


def _fingerprint(key: str) -> str:
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _constant_time_lookup(table: Mapping[str, str]) -> Callable[[str], Principal | None]:
    # Compare digests of equal length, every key every time: the time taken does
    # not depend on which key (or how much of one) the caller got right.
    digests = [(hashlib.sha256(k.encode()).digest(), principal) for k, principal in table.items()]

    def lookup(key: str) -> Principal | None:
        sent = hashlib.sha256(key.encode()).digest()
        found: str | None = None
        for digest, principal in digests:
            if hmac.compare_digest(sent, digest):
                found = principal
        return None if found is None else Principal(id=found)

    return lookup


def query_credentials_allowed(request: Request) -> bool:
    """Whether the endpoint `request` goes to may take credentials from its query
    string (a `GET` that streams, for `EventSource`), as its endpoint table says."""
    return request.method == "GET" and bool(request.scope.get(QUERY_CREDENTIALS))


def _from_query(request: Request, name: str | None) -> str | None:
    if name is None or not query_credentials_allowed(request):
        return None
    return request.query_params.get(name)


async def _maybe_await(value: Principal | Awaitable[Principal | None] | None) -> Principal | None:
    if inspect.isawaitable(value):
        return await value
    return value

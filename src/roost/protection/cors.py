"""CORS as Mastodon allows it (``config/initializers/cors.rb``): browser clients on any
origin may call the API, the token endpoints and ``/.well-known``, without cookies.

Starlette's ``CORSMiddleware`` does the work; it applies to a whole app, so this
wrapper sends only the paths Mastodon opens to it (other pages, such as the OAuth
sign-in form, stay same-origin).
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# What a browser client may read from a response (pagination, rate limits, tracing).
EXPOSED = [
    "Link",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-Request-Id",
    "Idempotency-Key",
]
PREFIXES = ("/api/", "/.well-known/")
EXACT = frozenset({"/oauth/token", "/oauth/revoke"})
MAX_AGE = 86_400


def is_cross_origin_path(path: str) -> bool:
    return path.startswith(PREFIXES) or path in EXACT


class ScopedCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=METHODS,
            allow_headers=["*"],  # Authorization, Idempotency-Key, Content-Type, ...
            allow_credentials=False,
            expose_headers=EXPOSED,
            max_age=MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_cross_origin_path(scope["path"]):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)

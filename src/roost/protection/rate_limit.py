"""ASGI middleware: Mastodon's rate-limit headers on every counted response, 429 past a limit.

Headers as Mastodon sends them: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (ISO 8601 with microseconds, UTC, as Ruby's ``iso8601(6)``). Past
a limit the answer is 429 ``{"error": "Too many requests"}`` with the same headers
(remaining 0) and ``Retry-After`` in seconds (RFC 6585), before the request reaches
any handler.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roost.protection.limiter import Decision, RateLimiter
from roost.protection.responses import send_error

TOO_MANY_REQUESTS = "Too many requests"


def reset_text(reset: float) -> str:
    """``2026-11-25T03:05:00.000000Z``: when the window ends."""
    return datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rate_limit_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    return [
        (b"x-ratelimit-limit", str(decision.limit).encode()),
        (b"x-ratelimit-remaining", str(decision.remaining).encode()),
        (b"x-ratelimit-reset", reset_text(decision.reset).encode()),
    ]


class RateLimit:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = getattr(scope.get("app"), "state", None)
        roost = getattr(state, "roost", None)  # absent before the lifespan started
        if scope["type"] != "http" or roost is None:
            await self.app(scope, receive, send)
            return
        decision = await self.limiter.check(scope, roost)
        if decision is None:
            await self.app(scope, receive, send)
            return
        headers = rate_limit_headers(decision)
        if decision.exceeded:
            wait = max(1, math.ceil(decision.reset - self.limiter.clock()))
            headers.append((b"retry-after", str(wait).encode()))
            await send_error(send, 429, TOO_MANY_REQUESTS, headers)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers:
                    if name.decode() not in response_headers:
                        response_headers.append(name.decode(), value.decode())
            await send(message)

        await self.app(scope, receive, send_with_headers)

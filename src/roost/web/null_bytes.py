"""Reject NUL characters in a request's path and query string before any handler runs.

Notes on design: PostgreSQL cannot store U+0000 in text, so a NUL that reached a
query would surface as a driver error (a 500). SQLite would store it silently, so
the two backends would disagree. Refusing NULs at the edge keeps them alike and
every handler safe; request bodies are checked where they are parsed
(``roost.web.params``), since binary uploads may legitimately contain NUL bytes.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

NULL_BYTE_ERROR = "Validation failed: request contains a null character"


def contains_null(raw: bytes) -> bool:
    return b"\x00" in unquote_to_bytes(raw)


class RejectNullBytes:
    """ASGI middleware answering 422 when the path or query string holds a NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or contains_null(scope.get("query_string", b""))
        ):
            body = orjson.dumps({"error": NULL_BYTE_ERROR})
            await send(
                {
                    "type": "http.response.start",
                    "status": 422,
                    "headers": [
                        (b"content-type", b"application/json; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

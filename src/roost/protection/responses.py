"""Mastodon-style error answers sent straight from ASGI middleware (before any route)."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from starlette.types import Send


async def send_error(
    send: Send, status: int, message: str, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """``{"error": message}`` with ``status``, as the app's own error handlers answer."""
    body = orjson.dumps({"error": message})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

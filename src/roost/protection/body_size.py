"""ASGI middleware: refuse request bodies past a size limit with 413 ``{"error": ...}``.

A declared ``Content-Length`` past the limit is refused before the body is read. A
body without one (chunked) is counted as the app reads it; the read that passes the
limit raises ``RequestTooLarge``, which the app's error handlers render as 413 (or
this middleware, if nothing answered yet). Uploads (media, avatar and header) may be
as large as ``media_max_bytes`` plus room for the form around the file; the media
endpoints then apply their own exact limit with their own message.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roost.errors import DomainError
from roost.protection.responses import send_error

UPLOAD_OVERHEAD = 1_048_576  # form fields and part headers around an uploaded file
_UPLOADS = re.compile(r"^/api/v\d+/media/?$|^/api/v1/accounts/update_credentials/?$")


class RequestTooLarge(DomainError):
    status_code = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body too large (limit {limit} bytes)")


def is_upload(method: str, path: str) -> bool:
    return method in ("POST", "PATCH", "PUT") and _UPLOADS.match(path) is not None


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes

    def limit_for(self, scope: Scope) -> int:
        if is_upload(scope["method"], scope["path"]):
            return self.upload_max_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_error(send, 413, RequestTooLarge(limit).message)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except RequestTooLarge as exc:
            if started:
                raise
            await send_error(send, 413, exc.message)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None

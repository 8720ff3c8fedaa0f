"""ASGI middleware: security headers on every response, and the HTML ones on HTML pages.

- Every response: ``X-Content-Type-Options: nosniff`` (a JSON body or an uploaded
  file is never run as a script or page), and ``Strict-Transport-Security`` when the
  public URL is https.
- HTML responses (the OAuth pages, FastAPI's API docs): a Content-Security-Policy
  with ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` (no clickjacking of
  the sign-in and consent forms), ``Referrer-Policy: same-origin`` (as Mastodon).
  The default CSP allows nothing but inline styles and own images; the API docs load
  their scripts from a CDN, so those developer pages get only ``frame-ancestors``.

A header the handler already set wins (the OAuth pages send a stricter policy).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTML_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'"
)
DOCS_CSP = "frame-ancestors 'none'"
HSTS = "max-age=31536000"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, https: bool, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.https = https
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in self.docs_paths

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(MutableHeaders(scope=message), docs=docs)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _add(self, headers: MutableHeaders, *, docs: bool) -> None:
        wanted = {"X-Content-Type-Options": "nosniff"}
        if self.https:
            wanted["Strict-Transport-Security"] = HSTS
        if headers.get("content-type", "").lower().startswith("text/html"):
            wanted["Content-Security-Policy"] = DOCS_CSP if docs else HTML_CSP
            wanted["X-Frame-Options"] = "DENY"
            wanted["Referrer-Policy"] = "same-origin"
        for name, value in wanted.items():
            if name not in headers:
                headers.append(name, value)

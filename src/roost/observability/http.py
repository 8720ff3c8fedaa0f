"""Per request: a request id, a server span, log context and the HTTP metrics.

A plain ASGI middleware (not ``BaseHTTPMiddleware``, which runs the downstream app in a
separate task and pipes every response, streams included, through an extra memory
stream; here the app runs in the request's own task and context). The OpenTelemetry
ASGI instrumentation is not installed, and what Roost needs here is small: a span per
request continuing an incoming ``traceparent``, labelled with the route template.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import structlog
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roost.observability import metrics, tracing

REQUEST_ID_HEADER = b"x-request-id"
# An incoming X-Request-Id is kept when it is short and plain (a proxy's or a client's
# id); anything else is replaced, so log lines and headers never carry odd bytes.
_SANE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")
UNMATCHED = "<unmatched>"

log = structlog.get_logger("roost.request")


def new_request_id() -> str:
    """128 random bits as 32 hex digits (the shape of a uuid4 hex, made more cheaply)."""
    return os.urandom(16).hex()


def _incoming(scope: Scope) -> tuple[str, dict[str, str]]:
    """(request id, the W3C trace headers) from the request."""
    request_id: str | None = None
    carrier: dict[str, str] = {}
    for name, value in scope.get("headers") or ():
        if name == REQUEST_ID_HEADER and _SANE_REQUEST_ID.match(value):
            request_id = value.decode("ascii")
        elif name in (b"traceparent", b"tracestate"):
            carrier[name.decode()] = value.decode("latin-1")
    return request_id or new_request_id(), carrier


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded label values), else ``<unmatched>``."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED


class ObservabilityMiddleware:
    """Request id, server span, structlog context and HTTP metrics around every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id, carrier = _incoming(scope)
        method = scope.get("method", "GET") if scope["type"] == "http" else "WEBSOCKET"
        parent = tracing.extract(carrier) if carrier else None
        status = 500
        started = time.perf_counter()
        metrics.HTTP_IN_PROGRESS.inc()
        with tracing.tracer().start_as_current_span(
            f"{method} {scope.get('path', '')}",
            context=parent,
            kind=SpanKind.SERVER,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            ids = tracing.ids_of(span)
            tokens = structlog.contextvars.bind_contextvars(
                request_id=request_id,
                **({"trace_id": ids[0], "span_id": ids[1]} if ids else {}),
            )
            scope.setdefault("state", {})["request_id"] = request_id

            async def send_with_id(message: Message) -> None:
                nonlocal status
                kind = message["type"]
                if kind in ("http.response.start", "websocket.accept"):
                    status = int(message.get("status", 101))
                    headers = list(message.get("headers") or [])
                    headers.append((REQUEST_ID_HEADER, request_id.encode()))
                    message = {**message, "headers": headers}
                elif kind == "websocket.close" and status == 500:
                    status = 403  # closed before the handshake completed: refused
                await send(message)

            failed = False
            try:
                await self.app(scope, receive, send_with_id)
            except BaseException as exc:
                failed = True
                status = 500
                span.record_exception(exc)
                # The context stays bound: the error handler outside this middleware logs
                # the exception next, and its line must carry the request and trace ids.
                raise
            finally:
                route = route_template(scope)
                elapsed = time.perf_counter() - started
                metrics.HTTP_IN_PROGRESS.dec()
                _finish(span, method=method, route=route, status=status, scope=scope)
                if scope["type"] == "http":
                    labels = {"method": method, "route": route, "status": str(status)}
                    metrics.HTTP_REQUESTS.labels(**labels).inc()
                    metrics.HTTP_DURATION.labels(**labels).observe(elapsed)
                    if failed:
                        metrics.HTTP_EXCEPTIONS.labels(method=method, route=route).inc()
                log.info(
                    "request",
                    method=method,
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
                if not failed:
                    structlog.contextvars.reset_contextvars(**tokens)


def _finish(span: Any, *, method: str, route: str, status: int, scope: Scope) -> None:
    span.update_name(f"{method} {route}")
    span.set_attributes(
        {
            "http.request.method": method,
            "http.route": route,
            "url.path": str(scope.get("path", "")),  # never the query: it may hold a token
            "http.response.status_code": status,
        }
    )
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))

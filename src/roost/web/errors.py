"""One place that turns errors into Mastodon's ``{"error": "..."}`` bodies."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from roost.errors import DomainError
from roost.resilience.errors import DependencyUnavailable
from roost.web.responses import json_response

log = structlog.get_logger(__name__)


def _describe_validation(errors: list[Any]) -> str:
    parts = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return "Validation failed: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> Any:
        body: dict[str, Any] = {"error": exc.message}
        details = getattr(exc, "details", None)
        if details:
            body["details"] = details
        return json_response(body, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Any:
        return json_response({"error": _describe_validation(list(exc.errors()))}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Any:
        message = exc.detail if isinstance(exc.detail, str) else "Error"
        if exc.status_code == 404:
            message = "Record not found"
        return json_response(
            {"error": message}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(DependencyUnavailable)
    async def _unavailable(request: Request, exc: DependencyUnavailable) -> Any:
        # A dependency is down (breaker open or the call failed after retries): the
        # request did nothing durable, the client may retry after Retry-After.
        log.warning("dependency unavailable", path=request.url.path, dependency=exc.dependency)
        return json_response(
            {"error": exc.message},
            status_code=503,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Any:
        log.exception("unhandled error", path=request.url.path)
        return json_response({"error": "Internal server error"}, status_code=500)

"""Wire the protection middleware into the app (called once by ``create_app``)."""

from __future__ import annotations

from fastapi import FastAPI

from roost.protection.body_size import UPLOAD_OVERHEAD, BodySizeLimit
from roost.protection.cors import ScopedCors
from roost.protection.limiter import RateLimiter
from roost.protection.rate_limit import RateLimit
from roost.protection.rules import RuleSet
from roost.protection.security_headers import SecurityHeaders
from roost.settings import Settings


def install_protection(app: FastAPI, settings: Settings) -> None:
    """Add the middleware; a request passes them in this order:

    security headers → CORS (answers preflights) → rate limits → body size → the app.

    The rate limiter is kept at ``app.state.rate_limiter`` (``.degraded`` tells whether
    it counts in memory because Redis failed). Malformed rate-limit settings raise here,
    at start-up.
    """
    rules = RuleSet.from_settings(settings)
    # Starlette runs the middleware added last first: add them innermost first.
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        upload_max_bytes=settings.media_max_bytes + UPLOAD_OVERHEAD,
    )
    if settings.rate_limits_enabled:
        limiter = RateLimiter(rules)
        app.state.rate_limiter = limiter
        app.add_middleware(RateLimit, limiter=limiter)
    app.add_middleware(ScopedCors)
    docs_paths = [
        path for path in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if path
    ]
    app.add_middleware(
        SecurityHeaders, https=settings.base_url.startswith("https://"), docs_paths=docs_paths
    )

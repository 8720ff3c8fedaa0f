"""Protection tests: the suite's settings with small rate limits switched on.

The limiter's clock is frozen at ``NOW`` (``frozen_clock``), so the windows, and so the
``X-RateLimit-Reset`` values, are known exactly and no test can straddle a window's end.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from roost.settings import Settings

# 2027-01-15T08:16:40.250Z: 1000.25 s into an hour, a half hour; 100.25 s into 5 minutes.
NOW = 1_800_000_000 + 1000.25
HOUR_END = "2027-01-15T09:00:00.000000Z"
HALF_HOUR_END = "2027-01-15T08:30:00.000000Z"
FIVE_MINUTES_END = "2027-01-15T08:20:00.000000Z"

ACCOUNT_LIMIT = 6
IP_LIMIT = 4
SIGN_UP_LIMIT = 2
SIGN_IN_LIMIT = 3
MEDIA_LIMIT = 2
DELETES_LIMIT = 2
MAX_REQUEST_BYTES = 4096


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "rate_limits_enabled": True,
            "rate_limit_authenticated": f"{ACCOUNT_LIMIT} per 1 hour",
            "rate_limit_unauthenticated": f"{IP_LIMIT} per hour",
            "rate_limit_sign_up": f"{SIGN_UP_LIMIT} per 30 minutes",
            "rate_limit_sign_in": f"{SIGN_IN_LIMIT} per 5 minutes",
            "rate_limit_media": f"{MEDIA_LIMIT} per 30 minutes",
            "rate_limit_deletes": f"{DELETES_LIMIT} per 30 minutes",
            "max_request_bytes": MAX_REQUEST_BYTES,
        }
    )


@pytest.fixture(autouse=True)
def frozen_clock(request: pytest.FixtureRequest) -> None:
    """Freeze the limiter's clock of tests that run the app (the others are left alone)."""
    if "app" in request.fixturenames:
        app: Any = request.getfixturevalue("app")
        limiter = getattr(app.state, "rate_limiter", None)
        if limiter is not None:
            limiter.clock = lambda: NOW


def client_from(app: Any, host: str) -> httpx.AsyncClient:
    """A client whose requests come from ``host`` (the ASGI scope's client address)."""
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://localhost:8000")


def rate_headers(response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    return (
        response.headers.get("x-ratelimit-limit"),
        response.headers.get("x-ratelimit-remaining"),
        response.headers.get("x-ratelimit-reset"),
    )

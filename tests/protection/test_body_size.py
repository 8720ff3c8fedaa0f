"""Request size limits: 413 with {"error"} past ``max_request_bytes``; uploads get more room."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from roost.protection.body_size import UPLOAD_OVERHEAD
from tests.conftest import Actor
from tests.protection.conftest import MAX_REQUEST_BYTES


async def _chunks(total: int, size: int = 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        chunk = b"a" * min(size, total - sent)
        sent += len(chunk)
        yield chunk


async def test_a_declared_body_past_the_limit_gets_413(alice: Actor) -> None:
    answer = await alice.http.post(
        "/api/v1/statuses",
        content=b"status=" + b"a" * MAX_REQUEST_BYTES,
        headers={**alice.auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert answer.json() == {"error": f"Request body too large (limit {MAX_REQUEST_BYTES} bytes)"}
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_a_streamed_body_past_the_limit_gets_413(alice: Actor) -> None:
    """No Content-Length (chunked): counted while the handler reads it."""
    answer = await alice.http.post(
        "/api/v1/statuses",
        content=_chunks(MAX_REQUEST_BYTES + 1),
        headers={**alice.auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"].startswith("Request body too large")


async def test_a_body_within_the_limit_is_served(alice: Actor) -> None:
    answer = await alice.post("/api/v1/statuses", data={"status": "a" * 400})
    assert answer.status_code == 200


async def test_uploads_may_be_larger_than_other_requests(alice: Actor) -> None:
    image = b"x" * (MAX_REQUEST_BYTES * 4)
    answer = await alice.post("/api/v1/media", files={"file": ("a.png", image, "image/png")})
    # Past the edge's general limit, so the media endpoint itself judged it (not an image).
    assert answer.status_code == 422


async def test_uploads_past_the_media_limit_get_413(
    app: Any, client: httpx.AsyncClient, alice: Actor
) -> None:
    limit = app.state.roost.settings.media_max_bytes + UPLOAD_OVERHEAD
    answer = await client.post(
        "/api/v2/media",
        content=b"",
        headers={**alice.auth, "Content-Length": str(limit + 1), "Content-Type": "image/png"},
    )
    assert answer.status_code == 413
    assert answer.json() == {"error": f"Request body too large (limit {limit} bytes)"}

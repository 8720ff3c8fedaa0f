"""Security headers on every response and on HTML pages, and CORS as Mastodon clients need."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.responses import HTMLResponse

from roost.app import create_app
from roost.protection.security_headers import HTML_CSP
from tests.conftest import Actor, _delete_redis_prefix
from tests.protection.conftest import IP_LIMIT, client_from

ORIGIN = "https://client.example"


async def test_every_response_says_nosniff(client: httpx.AsyncClient, alice: Actor) -> None:
    for answer in (
        await client.get("/api/v1/instance"),
        await client.get("/api/v1/statuses/1"),  # 404
        await client.get("/nowhere"),
        await alice.get("/api/v1/accounts/verify_credentials"),
    ):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in answer.headers  # JSON: not a page
        assert "strict-transport-security" not in answer.headers  # public URL is http


async def test_html_pages_get_csp_and_frame_protection(app: Any, client: httpx.AsyncClient) -> None:
    @app.get("/test-page")
    async def page() -> HTMLResponse:
        return HTMLResponse("<p>hello</p>")

    answer = await client.get("/test-page")
    assert answer.headers["content-security-policy"] == HTML_CSP
    assert "frame-ancestors 'none'" in HTML_CSP
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_the_oauth_page_keeps_its_stricter_policy(client: httpx.AsyncClient) -> None:
    answer = await client.get("/oauth/authorize", params={"client_id": "unknown"})
    assert answer.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "no-referrer"  # its own, not overwritten
    assert answer.headers.get_list("x-frame-options") == ["DENY"]


async def test_api_docs_cannot_be_framed(client: httpx.AsyncClient) -> None:
    answer = await client.get("/docs")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert answer.headers["x-frame-options"] == "DENY"


async def test_https_instances_send_hsts(settings: Any) -> None:
    app = create_app(settings.model_copy(update={"public_url": "https://social.example"}))
    async with app.router.lifespan_context(app), client_from(app, "192.0.2.7") as http:
        answer = await http.get("/api/v1/instance")
    if settings.redis_url:
        await _delete_redis_prefix(settings)
    assert answer.headers["strict-transport-security"] == "max-age=31536000"


async def test_cors_preflight_for_the_api(client: httpx.AsyncClient) -> None:
    answer = await client.options(
        "/api/v1/statuses",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key, content-type",
        },
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "POST" in answer.headers["access-control-allow-methods"]
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert {"authorization", "idempotency-key", "content-type"} <= {
        name.strip() for name in allowed.split(",")
    }
    assert "access-control-allow-credentials" not in answer.headers
    assert answer.headers.get("x-ratelimit-limit") is None  # preflights are not counted
    after = await client.get("/api/v1/instance")
    assert after.headers["x-ratelimit-remaining"] == str(IP_LIMIT - 1)


async def test_cors_on_api_responses_exposes_mastodon_headers(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/instance", headers={"Origin": ORIGIN})
    assert answer.headers["access-control-allow-origin"] == "*"
    exposed = {
        name.strip().lower() for name in answer.headers["access-control-expose-headers"].split(",")
    }
    assert {
        "link",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-request-id",
    } <= exposed


async def test_cors_on_429_so_browser_clients_can_read_it(client: httpx.AsyncClient) -> None:
    for _ in range(IP_LIMIT):
        await client.get("/api/v1/instance")
    answer = await client.get("/api/v1/instance", headers={"Origin": ORIGIN})
    assert answer.status_code == 429
    assert answer.headers["access-control-allow-origin"] == "*"


async def test_cors_for_token_endpoints_but_not_the_sign_in_page(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/oauth/token", "/oauth/revoke"):
        preflight = await client.options(
            path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "*"
    page = await client.get("/oauth/authorize", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in page.headers

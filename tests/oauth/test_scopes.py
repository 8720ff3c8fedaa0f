"""Scopes are enforced per endpoint, for user tokens and app-only tokens alike."""

from __future__ import annotations

from typing import Any

import httpx

from tests.oauth.support import app_token, bearer, register_app


async def test_read_only_token_cannot_update_credentials(make_actor: Any) -> None:
    reader = await make_actor("reader", scopes="read")
    assert (await reader.get("/api/v1/accounts/verify_credentials")).status_code == 200
    response = await reader.patch(
        "/api/v1/accounts/update_credentials", data={"display_name": "Nope"}
    )
    assert response.status_code == 403
    assert response.json() == {"error": "This action is outside the authorized scopes"}


async def test_sub_scope_token_reaches_only_its_endpoints(make_actor: Any) -> None:
    writer = await make_actor("writer", scopes="write:accounts")
    updated = await writer.patch("/api/v1/accounts/update_credentials", data={"note": "hi"})
    assert updated.status_code == 200
    assert (await writer.get("/api/v1/accounts/verify_credentials")).status_code == 403


async def test_app_token_without_write_accounts_cannot_register(client: httpx.AsyncClient) -> None:
    app = await register_app(client)
    token = await app_token(client, app, scope="read")
    response = await client.post(
        "/api/v1/accounts",
        headers=bearer(token),
        data={
            "username": "dave",
            "email": "dave@example.com",
            "password": "dave-password",
            "agreement": "true",
        },
    )
    assert response.status_code == 403

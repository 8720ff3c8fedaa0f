"""POST /oauth/revoke."""

from __future__ import annotations

import httpx

from tests.conftest import Actor
from tests.oauth.support import bearer, password_login, register_app


async def _login(client: httpx.AsyncClient, app: dict[str, str]) -> str:
    response = await password_login(client, app, username="alice", password="alice-password")
    return str(response.json()["access_token"])


async def test_revoked_token_is_refused(client: httpx.AsyncClient, alice: Actor) -> None:
    app = await register_app(client)
    token = await _login(client, app)
    me = "/api/v1/accounts/verify_credentials"
    assert (await client.get(me, headers=bearer(token))).status_code == 200
    response = await client.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    assert response.status_code == 200
    assert response.json() == {}
    refused = await client.get(me, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json() == {"error": "The access token is invalid"}


async def test_another_app_cannot_revoke_a_token(client: httpx.AsyncClient, alice: Actor) -> None:
    owner, other = await register_app(client), await register_app(client, name="Other")
    token = await _login(client, owner)
    response = await client.post(
        "/oauth/revoke",
        data={
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
            "token": token,
        },
    )
    assert response.status_code == 403
    assert response.json()["error"] == "unauthorized_client"
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert me.status_code == 200


async def test_revoking_an_unknown_token_is_fine(client: httpx.AsyncClient) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": "x"},
    )
    assert response.status_code == 200
    assert response.json() == {}

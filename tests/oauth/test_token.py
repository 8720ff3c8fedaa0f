"""POST /oauth/token: password and client_credentials grants, client authentication, errors."""

from __future__ import annotations

import base64

import httpx
from sqlalchemy import select

from roost.db import Database
from roost.oauth.schema import access_tokens
from roost.oauth.secrets import digest
from tests.conftest import Actor
from tests.oauth.support import app_token, bearer, password_login, register_app


async def test_password_grant_accepts_the_email_as_username(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    app = await register_app(client)
    response = await password_login(
        client, app, username="alice@example.com", password="alice-password"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == {"read", "write", "follow", "push"}
    assert isinstance(body["created_at"], int)
    assert response.headers["cache-control"] == "no-store"
    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(body["access_token"])
    )
    assert me.status_code == 200
    assert me.json()["id"] == alice.id


async def test_password_grant_accepts_the_username(client: httpx.AsyncClient, bob: Actor) -> None:
    app = await register_app(client)
    response = await password_login(client, app, username="Bob", password="bob-password")
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert me.json()["username"] == "bob"


async def test_wrong_password_and_unknown_account_look_the_same(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    app = await register_app(client)
    wrong = await password_login(client, app, username="alice@example.com", password="guess-123")
    unknown = await password_login(client, app, username="nobody@example.com", password="x" * 9)
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "invalid_grant"


async def test_tokens_are_stored_as_digests(
    client: httpx.AsyncClient, db: Database, alice: Actor
) -> None:
    app = await register_app(client)
    response = await password_login(client, app, username="alice", password="alice-password")
    token = response.json()["access_token"]
    assert len(base64.urlsafe_b64decode(token + "=")) >= 32  # at least 256 random bits
    async with db.read() as conn:
        hashes = (await conn.execute(select(access_tokens.c.token_hash))).scalars().all()
    assert digest(token) in hashes
    assert token not in hashes


async def test_wrong_client_secret_is_invalid_client(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    app = await register_app(client)
    response = await password_login(
        client, app | {"client_secret": "wrong"}, username="alice", password="alice-password"
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "error_description" in response.json()


async def test_scopes_beyond_the_apps_are_refused(client: httpx.AsyncClient, alice: Actor) -> None:
    app = await register_app(client, scopes="read")
    response = await password_login(
        client, app, username="alice", password="alice-password", scope="read write"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_narrower_scopes_are_granted_as_asked(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    app = await register_app(client)
    response = await password_login(
        client, app, username="alice", password="alice-password", scope="read:accounts"
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read:accounts"


async def test_client_credentials_token_acts_for_the_app_only(client: httpx.AsyncClient) -> None:
    app = await register_app(client)
    token = await app_token(client, app, scope="read")
    assert (await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))).is_success
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert me.status_code == 422
    assert me.json() == {"error": "This method requires an authenticated user"}


async def test_scope_defaults_to_read(client: httpx.AsyncClient) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert response.json()["scope"] == "read"


async def test_token_endpoint_takes_json_and_http_basic(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    app = await register_app(client)
    as_json = await client.post(
        "/oauth/token",
        json={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "alice",
            "password": "alice-password",
            "scope": "read",
        },
    )
    assert as_json.status_code == 200
    basic = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "read"},
        auth=(app["client_id"], app["client_secret"]),
    )
    assert basic.status_code == 200


async def test_unknown_and_missing_grant_types(client: httpx.AsyncClient) -> None:
    app = await register_app(client)
    credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    unknown = await client.post("/oauth/token", data={"grant_type": "refresh_token"} | credentials)
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "unsupported_grant_type"
    missing = await client.post("/oauth/token", data=credentials)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


async def test_password_grant_without_password_is_invalid_request(
    client: httpx.AsyncClient,
) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "alice",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"

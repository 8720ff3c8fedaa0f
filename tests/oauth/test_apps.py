"""POST /api/v1/apps and GET /api/v1/apps/verify_credentials."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from roost.db import Database
from roost.oauth.schema import applications
from roost.oauth.secrets import digest
from tests.conftest import Actor
from tests.oauth.support import OOB, app_token, bearer, register_app


async def test_registering_an_app_returns_its_client_credentials(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/apps",
        data={
            "client_name": "Tusky",
            "redirect_uris": OOB,
            "scopes": "read write",
            "website": "https://tusky.example",
        },
    )
    assert response.status_code == 200
    app = response.json()
    assert app["name"] == "Tusky"
    assert app["website"] == "https://tusky.example"
    assert app["redirect_uri"] == OOB
    assert app["redirect_uris"] == [OOB]
    assert sorted(app["scopes"]) == ["read", "write"]
    assert len(app["client_id"]) >= 43 and len(app["client_secret"]) >= 43
    assert app["client_id"] != app["client_secret"]
    assert isinstance(app["id"], str)
    assert "vapid_key" in app


async def test_scopes_default_to_read(client: httpx.AsyncClient) -> None:
    app = await register_app(client, scopes=None)
    assert app["scopes"] == ["read"]


async def test_apps_accept_json_with_a_list_of_redirect_uris(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/apps",
        json={
            "client_name": "Web client",
            "redirect_uris": ["https://a.example/cb", "https://b.example/cb"],
            "scopes": "read",
        },
    )
    assert response.status_code == 200
    assert response.json()["redirect_uris"] == ["https://a.example/cb", "https://b.example/cb"]


async def test_app_secret_is_stored_only_as_a_digest(
    client: httpx.AsyncClient, db: Database
) -> None:
    app = await register_app(client)
    async with db.read() as conn:
        row = (
            (await conn.execute(select(applications).where(applications.c.id == int(app["id"]))))
            .mappings()
            .one()
        )
    assert row["client_secret_hash"] == digest(app["client_secret"])
    assert app["client_secret"] not in [str(value) for value in row.values()]


async def test_unknown_scope_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/apps", data={"client_name": "x", "redirect_uris": OOB, "scopes": "read admin:all"}
    )
    assert response.status_code == 422
    assert "Scopes" in response.json()["error"]


async def test_relative_redirect_uri_and_blank_name_are_rejected(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/apps", data={"client_name": "", "redirect_uris": "/cb"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "Name can't be blank" in error
    assert "Redirect URI must be an absolute URI." in error


async def test_redirect_uri_with_a_fragment_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/apps", data={"client_name": "x", "redirect_uris": "https://a.example/cb#frag"}
    )
    assert response.status_code == 422


async def test_verify_credentials_with_an_app_token(client: httpx.AsyncClient) -> None:
    app = await register_app(client, name="My app")
    token = await app_token(client, app, scope="read")
    response = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "My app"
    assert body["id"] == app["id"]
    assert "client_secret" not in body


async def test_verify_credentials_with_a_user_token(alice: Actor) -> None:
    response = await alice.get("/api/v1/apps/verify_credentials")
    assert response.status_code == 200
    assert response.json()["name"] == "Roost tests"


async def test_verify_credentials_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/apps/verify_credentials")).status_code == 401
    response = await client.get("/api/v1/apps/verify_credentials", headers=bearer("nope"))
    assert response.status_code == 401
    assert response.json() == {"error": "The access token is invalid"}

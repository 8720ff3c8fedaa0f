"""POST /api/v1/accounts: sign-up with an app token, in open, approval and closed modes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select

from roost.accounts.schema import accounts
from roost.db import Database
from roost.settings import RegistrationMode, Settings
from tests.conftest import Actor
from tests.oauth.support import (
    OOB,
    app_token,
    bearer,
    form_action,
    form_fields,
    password_login,
    register_app,
)


@pytest.fixture
def registration_mode() -> RegistrationMode:
    return RegistrationMode.open


@pytest.fixture
def settings(settings: Settings, registration_mode: RegistrationMode) -> Settings:
    return settings.model_copy(update={"registrations": registration_mode})


@pytest.fixture
async def client_app(client: httpx.AsyncClient) -> dict[str, Any]:
    return await register_app(client)


@pytest.fixture
async def signup_token(client: httpx.AsyncClient, client_app: dict[str, Any]) -> str:
    return await app_token(client, client_app, scope="read write follow push")


def _dave(**overrides: str) -> dict[str, str]:
    return {
        "username": "dave",
        "email": "dave@example.com",
        "password": "dave-password",
        "agreement": "1",
        "locale": "en",
    } | overrides


async def _register(client: httpx.AsyncClient, token: str, **fields: str) -> httpx.Response:
    return await client.post("/api/v1/accounts", headers=bearer(token), data=_dave(**fields))


async def _account_count(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(accounts))).scalar_one())


async def test_open_registration_returns_a_working_user_token(
    client: httpx.AsyncClient, signup_token: str
) -> None:
    response = await _register(client, signup_token)
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"read", "write", "follow", "push"}
    assert isinstance(token["created_at"], int)
    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(token["access_token"])
    )
    assert me.status_code == 200
    assert me.json()["username"] == "dave"


async def test_registered_user_can_sign_in_with_email(
    client: httpx.AsyncClient, client_app: dict[str, Any], signup_token: str
) -> None:
    assert (await _register(client, signup_token, email="Dave@Example.com")).status_code == 200
    response = await password_login(
        client, client_app, username="dave@example.com", password="dave-password"
    )
    assert response.status_code == 200


async def test_registration_accepts_json(client: httpx.AsyncClient, signup_token: str) -> None:
    response = await client.post(
        "/api/v1/accounts",
        headers=bearer(signup_token),
        json={
            "username": "erin",
            "email": "erin@example.com",
            "password": "erin-password",
            "agreement": True,
            "locale": "en",
        },
    )
    assert response.status_code == 200, response.text


async def test_taken_username_and_email_are_reported_per_field(
    client: httpx.AsyncClient, db: Database, signup_token: str, alice: Actor
) -> None:
    before = await _account_count(db)
    response = await _register(client, signup_token, username="ALICE", email="alice@example.com")
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("Validation failed: ")
    assert "Username has already been taken" in body["error"]
    assert body["details"]["username"] == [
        {"error": "ERR_TAKEN", "description": "has already been taken"}
    ]
    assert body["details"]["email"][0]["error"] == "ERR_TAKEN"
    assert await _account_count(db) == before


async def test_every_problem_is_reported_at_once(
    client: httpx.AsyncClient, db: Database, signup_token: str
) -> None:
    response = await client.post(
        "/api/v1/accounts",
        headers=bearer(signup_token),
        data={"username": "bad name", "email": "not-an-email", "password": "short"},
    )
    assert response.status_code == 422
    details = response.json()["details"]
    assert details["username"][0]["error"] == "ERR_INVALID"
    assert details["email"][0]["error"] == "ERR_INVALID"
    assert details["password"][0]["error"] == "ERR_TOO_SHORT"
    assert details["agreement"][0]["error"] == "ERR_ACCEPTED"
    assert await _account_count(db) == 0


async def test_agreement_must_be_accepted(client: httpx.AsyncClient, signup_token: str) -> None:
    response = await _register(client, signup_token, agreement="false")
    assert response.status_code == 422
    assert response.json()["details"] == {
        "agreement": [{"error": "ERR_ACCEPTED", "description": "must be accepted"}]
    }


async def test_reserved_username_is_refused(client: httpx.AsyncClient, signup_token: str) -> None:
    response = await _register(client, signup_token, username="Admin")
    assert response.status_code == 422
    assert response.json()["details"]["username"][0]["error"] == "ERR_RESERVED"


async def test_registration_needs_an_app_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/accounts", data=_dave())
    assert response.status_code == 401


@pytest.mark.parametrize("registration_mode", [RegistrationMode.closed])
async def test_closed_registration_is_forbidden(
    client: httpx.AsyncClient, db: Database, signup_token: str
) -> None:
    response = await _register(client, signup_token)
    assert response.status_code == 403
    assert response.json() == {"error": "This action is not allowed"}
    assert await _account_count(db) == 0


@pytest.mark.parametrize("registration_mode", [RegistrationMode.approval])
async def test_approval_mode_returns_a_token_that_waits_for_approval(
    client: httpx.AsyncClient, db: Database, signup_token: str
) -> None:
    response = await _register(client, signup_token)
    assert response.status_code == 200
    token = response.json()["access_token"]
    async with db.read() as conn:
        approved = (
            await conn.execute(select(accounts.c.approved).where(accounts.c.username == "dave"))
        ).scalar_one()
    assert approved is False
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert me.status_code == 403
    assert me.json() == {"error": "Your login is currently pending approval"}


@pytest.mark.parametrize("registration_mode", [RegistrationMode.approval])
async def test_unapproved_account_cannot_sign_in(
    client: httpx.AsyncClient, client_app: dict[str, Any], signup_token: str
) -> None:
    assert (await _register(client, signup_token)).status_code == 200
    by_password = await password_login(
        client, client_app, username="dave", password="dave-password"
    )
    assert by_password.status_code == 400
    assert by_password.json() == {
        "error": "invalid_grant",
        "error_description": "Your login is currently pending approval",
    }
    query = urlencode(
        {"client_id": client_app["client_id"], "redirect_uri": OOB, "response_type": "code"}
    )
    page = await client.get(f"/oauth/authorize?{query}")
    fields = form_fields(page.text) | {"username": "dave", "password": "dave-password"}
    refused = await client.post(form_action(page.text), data=fields | {"decision": "authorize"})
    assert refused.status_code == 403
    assert "pending approval" in refused.text
    assert "authorization-code" not in refused.text

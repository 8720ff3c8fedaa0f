"""NUL characters anywhere in a request get a 422, never a 500 (PostgreSQL cannot store them)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Actor


@pytest.mark.parametrize(
    "body",
    [
        {"status": "\x00"},
        {"status": "hello", "spoiler_text": "a\x00b"},
        {"status": "hello", "language": "e\x00"},
        {"status": "hello", "media_ids": ["\x00"]},
    ],
)
async def test_null_in_a_status_body_is_refused(alice: Actor, body: dict[str, object]) -> None:
    response = await alice.post("/api/v1/statuses", json=body)
    assert response.status_code == 422
    assert "null character" in response.json()["error"]
    assert (await alice.get(f"/api/v1/accounts/{alice.id}/statuses")).json() == []


async def test_null_in_a_form_field_is_refused(alice: Actor) -> None:
    response = await alice.patch(
        "/api/v1/accounts/update_credentials", data={"display_name": "a\x00b"}
    )
    assert response.status_code == 422
    assert (await alice.get("/api/v1/accounts/verify_credentials")).json()["display_name"] == ""


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/accounts/lookup?acct=%00",
        "/api/v1/timelines/tag/a%00b",
        "/api/v1/timelines/public?max_id=%00",
    ],
)
async def test_null_in_path_or_query_is_refused(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 422
    assert response.json() == {"error": "Validation failed: request contains a null character"}


async def test_null_in_oauth_forms_is_refused(client: httpx.AsyncClient) -> None:
    app = await client.post(
        "/api/v1/apps", data={"client_name": "a\x00", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    )
    assert app.status_code == 422
    token = await client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "a\x00b", "password": "x"},
    )
    assert token.status_code == 422

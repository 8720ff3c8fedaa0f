"""GET verify_credentials and PATCH update_credentials: the signed-in user's own account."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actor
from tests.oauth.support import app_token, bearer, register_app


async def test_verify_credentials_returns_the_account_with_its_source(alice: Actor) -> None:
    response = await alice.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 200
    me = response.json()
    assert me["id"] == alice.id
    assert me["username"] == me["acct"] == "alice"
    assert me["source"]["note"] == ""
    assert me["source"]["privacy"] == "public"
    assert me["locked"] is False


async def test_verify_credentials_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 401
    assert response.json() == {"error": "The access token is invalid"}


async def test_profile_scope_is_enough_to_verify_credentials(make_actor: Any) -> None:
    dave = await make_actor("dave", scopes="profile")
    assert (await dave.get("/api/v1/accounts/verify_credentials")).status_code == 200


async def test_app_token_is_not_a_user(client: httpx.AsyncClient) -> None:
    token = await app_token(client, await register_app(client), scope="read")
    response = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert response.status_code == 422


async def test_update_credentials_with_a_form(alice: Actor) -> None:
    response = await alice.patch(
        "/api/v1/accounts/update_credentials",
        data={"display_name": "Alice A.", "note": "Hello <world>\nLine 2", "locked": "true"},
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["display_name"] == "Alice A."
    assert me["note"] == "<p>Hello &lt;world&gt;<br />Line 2</p>"
    assert me["source"]["note"] == "Hello <world>\nLine 2"
    assert me["locked"] is True
    again = (await alice.get("/api/v1/accounts/verify_credentials")).json()
    assert again["display_name"] == "Alice A."
    assert again["locked"] is True


async def test_update_credentials_with_json_changes_only_what_is_sent(alice: Actor) -> None:
    await alice.patch("/api/v1/accounts/update_credentials", json={"display_name": "Kept"})
    response = await alice.patch(
        "/api/v1/accounts/update_credentials", json={"bot": True, "discoverable": False}
    )
    assert response.status_code == 200
    me = response.json()
    assert (me["display_name"], me["bot"], me["discoverable"]) == ("Kept", True, False)


async def test_update_credentials_with_multipart(alice: Actor) -> None:
    response = await alice.patch(
        "/api/v1/accounts/update_credentials",
        files={"display_name": (None, "Multi"), "locked": (None, "0")},
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Multi"
    assert response.json()["locked"] is False


async def test_display_name_longer_than_30_is_refused(alice: Actor) -> None:
    response = await alice.patch(
        "/api/v1/accounts/update_credentials", data={"display_name": "x" * 31, "locked": "1"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["details"]["display_name"][0]["error"] == "ERR_TOO_LONG"
    me = (await alice.get("/api/v1/accounts/verify_credentials")).json()
    assert me["display_name"] == ""
    assert me["locked"] is False  # nothing was half-written


async def test_note_longer_than_500_is_refused(alice: Actor) -> None:
    ok = await alice.patch("/api/v1/accounts/update_credentials", data={"note": "y" * 500})
    assert ok.status_code == 200
    too_long = await alice.patch("/api/v1/accounts/update_credentials", data={"note": "y" * 501})
    assert too_long.status_code == 422
    assert too_long.json()["details"]["note"][0]["error"] == "ERR_TOO_LONG"


async def test_avatar_upload_is_refused_until_media_exists(alice: Actor) -> None:
    response = await alice.patch(
        "/api/v1/accounts/update_credentials",
        files={"avatar": ("a.png", b"\x89PNG", "image/png")},
    )
    assert response.status_code == 422


async def test_invalid_token_cannot_update(client: httpx.AsyncClient, bob: Actor) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer("not-a-token"), data={"note": "x"}
    )
    assert response.status_code == 401

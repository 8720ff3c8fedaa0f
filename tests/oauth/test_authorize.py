"""The authorization code flow through the HTML sign-in and consent page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from sqlalchemy import select, update

from roost.db import Database
from roost.db.metadata import utcnow
from roost.oauth.schema import authorization_codes
from roost.oauth.secrets import digest
from tests.conftest import Actor
from tests.oauth.support import OOB, bearer, form_action, form_fields, register_app

CALLBACK = "https://client.example/callback"


def _authorize_url(app: dict[str, Any], **overrides: str) -> str:
    query = {
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "read write",
        "state": "xyz-123",
    } | overrides
    return "/oauth/authorize?" + urlencode(query)


async def _sign_in(
    client: httpx.AsyncClient,
    url: str,
    *,
    username: str,
    password: str,
    decision: str = "authorize",
) -> httpx.Response:
    """Load the page, fill in the form as a browser would, and submit it."""
    page = await client.get(url)
    assert page.status_code == 200, page.text
    fields = form_fields(page.text) | {
        "username": username,
        "password": password,
        "decision": decision,
    }
    return await client.post(form_action(page.text), data=fields)


def _query(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def _exchange(
    client: httpx.AsyncClient, app: dict[str, Any], code: str, redirect_uri: str = CALLBACK
) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code": code,
            "redirect_uri": redirect_uri,
        },
    )


async def _code_for_alice(client: httpx.AsyncClient, app: dict[str, Any]) -> str:
    answer = await _sign_in(
        client, _authorize_url(app), username="alice@example.com", password="alice-password"
    )
    assert answer.status_code == 302, answer.text
    return _query(answer.headers["location"])["code"]


async def test_full_authorization_code_flow(client: httpx.AsyncClient, alice: Actor) -> None:
    app = await register_app(client, name="Pinafore", redirect_uris=CALLBACK)
    page = await client.get(_authorize_url(app))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Pinafore" in page.text
    assert "read" in page.text and "write" in page.text
    fields = form_fields(page.text)
    assert fields["client_id"] == app["client_id"]
    assert fields["redirect_uri"] == CALLBACK
    assert fields["state"] == "xyz-123"
    assert fields["response_type"] == "code"
    assert set(fields["scope"].split()) == {"read", "write"}

    answer = await client.post(
        form_action(page.text),
        data=fields | {"username": "alice", "password": "alice-password", "decision": "authorize"},
    )
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(CALLBACK + "?")
    query = _query(location)
    assert query["state"] == "xyz-123"

    token = await _exchange(client, app, query["code"])
    assert token.status_code == 200, token.text
    assert set(token.json()["scope"].split()) == {"read", "write"}
    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(token.json()["access_token"])
    )
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


async def test_out_of_band_flow_shows_the_code(client: httpx.AsyncClient, alice: Actor) -> None:
    app = await register_app(client, redirect_uris=OOB)
    answer = await _sign_in(
        client, _authorize_url(app, redirect_uri=OOB), username="alice", password="alice-password"
    )
    assert answer.status_code == 200
    fields = answer.text.split('id="authorization-code">', 1)[1]
    code = fields.split("<", 1)[0]
    token = await _exchange(client, app, code, redirect_uri=OOB)
    assert token.status_code == 200


async def test_code_works_only_once(client: httpx.AsyncClient, alice: Actor) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    code = await _code_for_alice(client, app)
    assert (await _exchange(client, app, code)).status_code == 200
    again = await _exchange(client, app, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_code_is_bound_to_its_redirect_uri(client: httpx.AsyncClient, alice: Actor) -> None:
    app = await register_app(client, redirect_uris=f"{CALLBACK}\nhttps://client.example/other")
    code = await _code_for_alice(client, app)
    wrong = await _exchange(client, app, code, redirect_uri="https://client.example/other")
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert (await _exchange(client, app, code)).status_code == 200


async def test_code_is_bound_to_its_client(client: httpx.AsyncClient, alice: Actor) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    thief = await register_app(client, name="Thief", redirect_uris=CALLBACK)
    code = await _code_for_alice(client, app)
    stolen = await _exchange(client, thief, code)
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"


async def test_expired_code_is_refused(
    client: httpx.AsyncClient, db: Database, alice: Actor
) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    code = await _code_for_alice(client, app)
    async with db.write() as conn:
        await conn.execute(
            update(authorization_codes)
            .where(authorization_codes.c.code_hash == digest(code))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await _exchange(client, app, code)).status_code == 400


async def test_codes_are_stored_as_digests_and_expire_in_ten_minutes(
    client: httpx.AsyncClient, db: Database, alice: Actor
) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    code = await _code_for_alice(client, app)
    async with db.read() as conn:
        rows = (await conn.execute(select(authorization_codes))).mappings().all()
    assert [row["code_hash"] for row in rows] == [digest(code)]
    lifetime = rows[0]["expires_at"] - utcnow()
    assert timedelta(minutes=9) < lifetime <= timedelta(minutes=10)


async def test_redirect_uri_not_registered_is_shown_not_followed(
    client: httpx.AsyncClient,
) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    page = await client.get(_authorize_url(app, redirect_uri="https://evil.example/steal"))
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "redirect uri" in page.text


async def test_unknown_client_gets_an_error_page(client: httpx.AsyncClient) -> None:
    page = await client.get(_authorize_url({"client_id": "nope"}))
    assert page.status_code == 401
    assert "An error has occurred" in page.text


async def test_scope_beyond_the_apps_is_sent_back_as_an_error(client: httpx.AsyncClient) -> None:
    app = await register_app(client, scopes="read", redirect_uris=CALLBACK)
    answer = await client.get(_authorize_url(app, scope="read write"))
    assert answer.status_code == 302
    query = _query(answer.headers["location"])
    assert query["error"] == "invalid_scope"
    assert query["state"] == "xyz-123"


async def test_denying_sends_access_denied(client: httpx.AsyncClient, alice: Actor) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    answer = await _sign_in(client, _authorize_url(app), username="", password="", decision="deny")
    assert answer.status_code == 302
    assert _query(answer.headers["location"]) | {"error_description": ""} == {
        "error": "access_denied",
        "error_description": "",
        "state": "xyz-123",
    }


async def test_wrong_password_and_unknown_user_get_the_same_page(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    url = _authorize_url(app)
    unknown = await _sign_in(client, url, username="nobody", password="guess-guess")
    wrong = await _sign_in(client, url, username="alice", password="guess-guess")
    assert unknown.status_code == wrong.status_code == 422
    assert "location" not in wrong.headers
    assert "Invalid email address, username or password." in wrong.text
    # The pages differ only in the login typed in, which is echoed back into the form.
    assert unknown.text.replace('value="nobody"', 'value="alice"') == wrong.text


async def test_form_post_revalidates_the_hidden_fields(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    page = await client.get(_authorize_url(app))
    fields = form_fields(page.text) | {
        "username": "alice",
        "password": "alice-password",
        "redirect_uri": "https://evil.example/steal",
    }
    answer = await client.post("/oauth/authorize", data=fields)
    assert answer.status_code == 400
    assert "location" not in answer.headers


async def test_malicious_app_name_and_state_are_escaped(client: httpx.AsyncClient) -> None:
    payload = '<script>alert("x")</script>'
    app = await register_app(client, name=payload, redirect_uris=CALLBACK)
    page = await client.get(_authorize_url(app, state='"><img src=x onerror=alert(1)>'))
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "<img" not in page.text
    assert form_fields(page.text)["state"] == '"><img src=x onerror=alert(1)>'


async def test_page_cannot_be_framed_or_cached(client: httpx.AsyncClient) -> None:
    app = await register_app(client, redirect_uris=CALLBACK)
    page = await client.get(_authorize_url(app))
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"

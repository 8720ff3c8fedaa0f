"""The app starts on both backends and speaks Mastodon's error form."""

from __future__ import annotations

import httpx

from tests.conftest import Actor


async def test_unknown_route_is_a_mastodon_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}


async def test_cast_members_have_distinct_accounts(alice: Actor, bob: Actor) -> None:
    assert alice.id != bob.id
    assert alice.token != bob.token

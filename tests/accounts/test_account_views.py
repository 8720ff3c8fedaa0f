"""GET /api/v1/accounts/:id and /lookup: public, 404 when unknown, hidden from blocked viewers."""

from __future__ import annotations

from typing import Any

import httpx

from roost.db import Database
from tests.accounts.graph_support import set_account
from tests.conftest import Actor


async def test_anyone_can_view_an_account_without_a_token(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    response = await client.get(f"/api/v1/accounts/{alice.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == alice.id
    assert body["username"] == body["acct"] == "alice"
    assert body["followers_count"] == 0 and body["following_count"] == 0


async def test_unknown_account_is_404(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.get(f"/api/v1/accounts/{int(alice.id) + 1}")
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}


async def test_non_numeric_or_huge_account_id_is_404(client: httpx.AsyncClient) -> None:
    full_width_digits = "\uff11\uff12"
    for bad in ("abc", "12x", "-5", str(2**64), full_width_digits):
        response = await client.get(f"/api/v1/accounts/{bad}")
        assert response.status_code == 404, bad
        assert "error" in response.json()


async def test_account_awaiting_approval_is_404(
    client: httpx.AsyncClient, db: Database, alice: Actor
) -> None:
    await set_account(db, alice, approved=False)
    assert (await client.get(f"/api/v1/accounts/{alice.id}")).status_code == 404
    assert (
        await client.get("/api/v1/accounts/lookup", params={"acct": "alice"})
    ).status_code == 404


async def test_blocked_viewer_cannot_see_the_blocker(
    client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    assert (await alice.post(f"/api/v1/accounts/{bob.id}/block")).status_code == 200
    assert (await bob.get(f"/api/v1/accounts/{alice.id}")).status_code == 404
    lookup = await bob.get("/api/v1/accounts/lookup", params={"acct": "alice"})
    assert lookup.status_code == 404
    # The blocker still sees the blocked account, and so does everyone else.
    assert (await alice.get(f"/api/v1/accounts/{bob.id}")).status_code == 200
    assert (await client.get(f"/api/v1/accounts/{alice.id}")).status_code == 200


async def test_token_without_read_scope_is_refused_even_for_public_views(
    make_actor: Any, alice: Actor
) -> None:
    writer: Actor = await make_actor("writer", scopes="write")
    response = await writer.get(f"/api/v1/accounts/{alice.id}")
    assert response.status_code == 403
    accounts_reader: Actor = await make_actor("reader", scopes="read:accounts")
    assert (await accounts_reader.get(f"/api/v1/accounts/{alice.id}")).status_code == 200


async def test_invalid_token_is_401_even_where_none_is_needed(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    response = await client.get(
        f"/api/v1/accounts/{alice.id}", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401


async def test_lookup_finds_local_usernames_with_or_without_the_domain(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    for acct in ("alice", "ALICE", "@alice", "alice@localhost:8000", "alice@LOCALHOST:8000"):
        response = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert response.status_code == 200, acct
        assert response.json()["id"] == alice.id


async def test_lookup_of_other_domains_or_unknown_names_is_404(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    for acct in ("alice@elsewhere.example", "nobody", "", "@"):
        response = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert response.status_code == 404, acct
    assert (await client.get("/api/v1/accounts/lookup")).status_code == 404

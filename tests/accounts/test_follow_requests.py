"""Locked accounts: follow requests, listing, authorizing and rejecting them."""

from __future__ import annotations

from typing import Any

import httpx

from roost.db import Database
from tests.accounts.graph_support import (
    assert_counters_match_rows,
    counters,
    ids,
    link_urls,
    set_account,
)
from tests.conftest import Actor


async def _relationship(viewer: Actor, other: Actor) -> dict[str, Any]:
    response = await viewer.get("/api/v1/accounts/relationships", params={"id[]": other.id})
    assert response.status_code == 200
    body: list[dict[str, Any]] = response.json()
    return body[0]


async def test_following_a_locked_account_makes_a_request(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    await set_account(db, bob, locked=True)
    response = await alice.post(f"/api/v1/accounts/{bob.id}/follow", data={"notify": "true"})
    assert response.status_code == 200
    rel = response.json()
    assert rel["following"] is False and rel["requested"] is True
    assert rel["showing_reblogs"] is True and rel["notifying"] is True
    assert await counters(client, bob) == (0, 0)
    assert (await _relationship(bob, alice))["requested_by"] is True
    # Asking again changes nothing but the options.
    again = (await alice.post(f"/api/v1/accounts/{bob.id}/follow", data={"reblogs": "0"})).json()
    assert again["requested"] is True and again["showing_reblogs"] is False
    assert ids(await bob.get("/api/v1/follow_requests")) == [alice.id]


async def test_authorizing_turns_the_request_into_a_follow(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    await set_account(db, bob, locked=True)
    await alice.post(f"/api/v1/accounts/{bob.id}/follow", json={"reblogs": False})
    for _ in range(2):  # the retry must change nothing
        response = await bob.post(f"/api/v1/follow_requests/{alice.id}/authorize")
        assert response.status_code == 200
        rel = response.json()
        assert rel["id"] == alice.id
        assert rel["followed_by"] is True and rel["requested_by"] is False
        assert await counters(client, bob) == (1, 0)
        assert await counters(client, alice) == (0, 1)
    mine = await _relationship(alice, bob)
    assert mine["following"] is True and mine["requested"] is False
    assert mine["showing_reblogs"] is False  # the request's options carry over
    assert ids(await bob.get("/api/v1/follow_requests")) == []
    assert ids(await client.get(f"/api/v1/accounts/{bob.id}/followers")) == [alice.id]
    await assert_counters_match_rows(db)


async def test_rejecting_drops_the_request(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    await set_account(db, bob, locked=True)
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    for _ in range(2):
        response = await bob.post(f"/api/v1/follow_requests/{alice.id}/reject")
        assert response.status_code == 200
        assert response.json()["requested_by"] is False
        assert response.json()["followed_by"] is False
    assert (await _relationship(alice, bob))["requested"] is False
    assert ids(await bob.get("/api/v1/follow_requests")) == []
    assert await counters(client, bob) == (0, 0)
    # Authorizing a rejected request is 404: there is nothing to authorize.
    assert (await bob.post(f"/api/v1/follow_requests/{alice.id}/authorize")).status_code == 404
    await assert_counters_match_rows(db)


async def test_unfollow_withdraws_a_pending_request(db: Database, alice: Actor, bob: Actor) -> None:
    await set_account(db, bob, locked=True)
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/unfollow")).json()
    assert rel["requested"] is False and rel["following"] is False
    assert ids(await bob.get("/api/v1/follow_requests")) == []


async def test_follow_requests_list_pages_newest_first(
    db: Database, make_actor: Any, alice: Actor
) -> None:
    await set_account(db, alice, locked=True)
    askers = [await make_actor(f"asker{i}") for i in range(3)]
    for asker in askers:
        await asker.post(f"/api/v1/accounts/{alice.id}/follow")
    first = await alice.get("/api/v1/follow_requests", params={"limit": 2})
    assert ids(first) == [askers[2].id, askers[1].id]
    second = await alice.get(link_urls(first)["next"])
    assert ids(second) == [askers[0].id]


async def test_authorize_needs_a_pending_request_and_a_known_account(
    alice: Actor, bob: Actor
) -> None:
    assert (await bob.post(f"/api/v1/follow_requests/{alice.id}/authorize")).status_code == 404
    missing = int(alice.id) + 11
    assert (await bob.post(f"/api/v1/follow_requests/{missing}/authorize")).status_code == 404
    assert (await bob.post(f"/api/v1/follow_requests/{missing}/reject")).status_code == 404
    assert (await bob.post("/api/v1/follow_requests/nope/reject")).status_code == 404


async def test_follow_request_scopes(
    client: httpx.AsyncClient, db: Database, make_actor: Any, alice: Actor
) -> None:
    await set_account(db, alice, locked=True)
    reader: Actor = await make_actor("reader", scopes="read:follows")
    assert (await client.get("/api/v1/follow_requests")).status_code == 401
    assert (await reader.get("/api/v1/follow_requests")).status_code == 200
    assert (await reader.post(f"/api/v1/follow_requests/{alice.id}/reject")).status_code == 403
    writer: Actor = await make_actor("writer", scopes="write")
    assert (await writer.get("/api/v1/follow_requests")).status_code == 403


async def test_unlocked_account_is_followed_at_once(
    client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/follow")).json()
    assert rel["following"] is True and rel["requested"] is False
    assert ids(await bob.get("/api/v1/follow_requests")) == []

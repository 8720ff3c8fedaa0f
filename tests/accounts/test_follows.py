"""Follow and unfollow: relationships, retry-safe counters, options, refusals and scopes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from roost.db import Database
from tests.accounts.graph_support import assert_counters_match_rows, counters
from tests.conftest import Actor


async def test_following_shows_in_relationship_and_counters(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    response = await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    assert response.status_code == 200
    rel = response.json()
    assert rel["id"] == bob.id
    assert rel["following"] is True
    assert rel["showing_reblogs"] is True
    assert rel["notifying"] is False
    assert rel["requested"] is False
    assert await counters(client, alice) == (0, 1)
    assert await counters(client, bob) == (1, 0)
    # Bob sees Alice as a follower.
    back = (await bob.get("/api/v1/accounts/relationships", params={"id[]": alice.id})).json()
    assert back[0]["followed_by"] is True and back[0]["following"] is False
    await assert_counters_match_rows(db)


async def test_following_twice_changes_nothing(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    first = await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    second = await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert await counters(client, bob) == (1, 0)
    assert await counters(client, alice) == (0, 1)
    await assert_counters_match_rows(db)


async def test_refollowing_updates_reblogs_and_notify(alice: Actor, bob: Actor) -> None:
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/follow", data={"reblogs": "false"})).json()
    assert rel["following"] is True and rel["showing_reblogs"] is False
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/follow", json={"notify": True})).json()
    # reblogs was not given again, so it stays off; notify is switched on.
    assert rel["showing_reblogs"] is False and rel["notifying"] is True
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/follow", params={"reblogs": "1"})).json()
    assert rel["showing_reblogs"] is True and rel["notifying"] is True


async def test_unfollow_is_retry_safe(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    for _ in range(2):
        response = await alice.post(f"/api/v1/accounts/{bob.id}/unfollow")
        assert response.status_code == 200
        assert response.json()["following"] is False
        assert await counters(client, bob) == (0, 0)
        assert await counters(client, alice) == (0, 0)
    await assert_counters_match_rows(db)


async def test_unfollowing_someone_never_followed_is_harmless(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await carol.post(f"/api/v1/accounts/{bob.id}/follow")
    response = await alice.post(f"/api/v1/accounts/{bob.id}/unfollow")
    assert response.status_code == 200
    assert await counters(client, bob) == (1, 0)
    await assert_counters_match_rows(db)


async def test_following_yourself_is_forbidden(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await alice.post(f"/api/v1/accounts/{alice.id}/follow")
    assert response.status_code == 403
    assert "error" in response.json()
    assert await counters(client, alice) == (0, 0)


async def test_following_unknown_or_malformed_ids_is_404(alice: Actor) -> None:
    assert (await alice.post(f"/api/v1/accounts/{int(alice.id) + 7}/follow")).status_code == 404
    assert (await alice.post("/api/v1/accounts/bob/follow")).status_code == 404
    assert (await alice.post("/api/v1/accounts/bob/unfollow")).status_code == 404


async def test_follow_needs_a_token(client: httpx.AsyncClient, bob: Actor) -> None:
    for action in ("follow", "unfollow", "block", "unblock", "mute", "unmute"):
        response = await client.post(f"/api/v1/accounts/{bob.id}/{action}")
        assert response.status_code == 401, action
        assert "error" in response.json()


async def test_read_only_token_cannot_follow(
    client: httpx.AsyncClient, make_actor: Any, bob: Actor
) -> None:
    reader: Actor = await make_actor("reader", scopes="read")
    response = await reader.post(f"/api/v1/accounts/{bob.id}/follow")
    assert response.status_code == 403
    assert await counters(client, bob) == (0, 0)


async def test_follow_scopes_as_mastodon_documents_them(make_actor: Any, bob: Actor) -> None:
    legacy: Actor = await make_actor("legacy", scopes="follow")
    assert (await legacy.post(f"/api/v1/accounts/{bob.id}/follow")).status_code == 200
    assert (await legacy.post(f"/api/v1/accounts/{bob.id}/mute")).status_code == 200
    narrow: Actor = await make_actor("narrow", scopes="write:follows")
    assert (await narrow.post(f"/api/v1/accounts/{bob.id}/follow")).status_code == 200
    assert (await narrow.post(f"/api/v1/accounts/{bob.id}/block")).status_code == 403
    assert (await narrow.post(f"/api/v1/accounts/{bob.id}/mute")).status_code == 403
    response = await narrow.get("/api/v1/accounts/relationships", params={"id[]": bob.id})
    assert response.status_code == 403


async def test_many_follows_keep_counters_true(
    client: httpx.AsyncClient, db: Database, make_actor: Any, alice: Actor
) -> None:
    fans = [await make_actor(f"fan{i}") for i in range(4)]
    for fan in fans:
        await fan.post(f"/api/v1/accounts/{alice.id}/follow")
        await alice.post(f"/api/v1/accounts/{fan.id}/follow")
    await fans[0].post(f"/api/v1/accounts/{alice.id}/unfollow")
    assert await counters(client, alice) == (3, 4)
    await assert_counters_match_rows(db)


async def test_concurrent_duplicate_and_mutual_follows_keep_counters_true(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor, carol: Actor
) -> None:
    requests = [alice.post(f"/api/v1/accounts/{bob.id}/follow") for _ in range(4)]
    requests += [bob.post(f"/api/v1/accounts/{alice.id}/follow") for _ in range(4)]
    requests += [carol.post(f"/api/v1/accounts/{alice.id}/follow") for _ in range(2)]
    responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [200] * len(responses)
    assert await counters(client, alice) == (2, 1)
    assert await counters(client, bob) == (1, 1)
    responses = await asyncio.gather(
        alice.post(f"/api/v1/accounts/{bob.id}/block"),
        bob.post(f"/api/v1/accounts/{alice.id}/unfollow"),
        alice.post(f"/api/v1/accounts/{bob.id}/unfollow"),
        carol.post(f"/api/v1/accounts/{alice.id}/unfollow"),
    )
    assert [r.status_code for r in responses] == [200] * len(responses)
    assert await counters(client, alice) == (0, 0)
    await assert_counters_match_rows(db)

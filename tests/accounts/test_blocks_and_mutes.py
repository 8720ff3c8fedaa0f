"""Blocks end follows both ways and bar new ones; mutes hide without cutting ties."""

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


async def test_block_removes_follows_both_ways_and_fixes_counters(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    assert await counters(client, alice) == (1, 1)
    for _ in range(2):  # blocking again changes nothing
        response = await alice.post(f"/api/v1/accounts/{bob.id}/block")
        assert response.status_code == 200
        rel = response.json()
        assert rel["blocking"] is True
        assert rel["following"] is False and rel["followed_by"] is False
        assert await counters(client, alice) == (0, 0)
        assert await counters(client, bob) == (0, 0)
    await assert_counters_match_rows(db)


async def test_block_removes_pending_requests_both_ways(
    db: Database, alice: Actor, bob: Actor
) -> None:
    await set_account(db, alice, locked=True)
    await set_account(db, bob, locked=True)
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/block")).json()
    assert rel["requested"] is False and rel["requested_by"] is False
    assert ids(await alice.get("/api/v1/follow_requests")) == []
    assert ids(await bob.get("/api/v1/follow_requests")) == []


async def test_blocked_account_cannot_follow_the_blocker_nor_the_other_way(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    await alice.post(f"/api/v1/accounts/{bob.id}/block")
    refused = await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is not allowed"}
    assert (await alice.post(f"/api/v1/accounts/{bob.id}/follow")).status_code == 403
    assert await counters(client, alice) == (0, 0)
    seen_by_bob = (
        await bob.get("/api/v1/accounts/relationships", params={"id[]": alice.id})
    ).json()
    assert seen_by_bob[0]["blocked_by"] is True and seen_by_bob[0]["blocking"] is False
    await assert_counters_match_rows(db)


async def test_unblock_restores_visibility_but_not_follows(
    client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    await alice.post(f"/api/v1/accounts/{bob.id}/block")
    assert (await bob.get(f"/api/v1/accounts/{alice.id}")).status_code == 404
    for _ in range(2):
        rel = (await alice.post(f"/api/v1/accounts/{bob.id}/unblock")).json()
        assert rel["blocking"] is False and rel["followed_by"] is False
    assert (await bob.get(f"/api/v1/accounts/{alice.id}")).status_code == 200
    assert (await bob.post(f"/api/v1/accounts/{alice.id}/follow")).json()["following"] is True
    assert await counters(client, alice) == (1, 0)


async def test_blocks_list_is_paged_newest_first(
    make_actor: Any, alice: Actor, bob: Actor, carol: Actor
) -> None:
    dave: Actor = await make_actor("dave")
    for target in (bob, dave, carol):
        await alice.post(f"/api/v1/accounts/{target.id}/block")
    first = await alice.get("/api/v1/blocks", params={"limit": 2})
    assert ids(first) == [carol.id, dave.id]
    assert ids(await alice.get(link_urls(first)["next"])) == [bob.id]
    await alice.post(f"/api/v1/accounts/{dave.id}/unblock")
    assert ids(await alice.get("/api/v1/blocks")) == [carol.id, bob.id]
    assert ids(await bob.get("/api/v1/blocks")) == []


async def test_blocking_yourself_does_nothing(client: httpx.AsyncClient, alice: Actor) -> None:
    rel = (await alice.post(f"/api/v1/accounts/{alice.id}/block")).json()
    assert rel["blocking"] is False
    assert (await alice.get(f"/api/v1/accounts/{alice.id}")).status_code == 200


async def test_mute_hides_notifications_by_default(alice: Actor, bob: Actor) -> None:
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/mute")).json()
    assert rel["muting"] is True and rel["muting_notifications"] is True
    # Muting again with notifications=false changes only that.
    rel = (
        await alice.post(
            f"/api/v1/accounts/{bob.id}/mute", data={"notifications": "false", "duration": "60"}
        )
    ).json()
    assert rel["muting"] is True and rel["muting_notifications"] is False
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/mute", json={"notifications": True})).json()
    assert rel["muting_notifications"] is True


async def test_mute_keeps_follows_and_counters(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    rel = (await alice.post(f"/api/v1/accounts/{bob.id}/mute")).json()
    assert rel["following"] is True and rel["muting"] is True
    assert await counters(client, bob) == (1, 0)
    # A muted account can still be seen and followed.
    assert (await bob.get(f"/api/v1/accounts/{alice.id}")).status_code == 200
    await assert_counters_match_rows(db)


async def test_unmute_and_mutes_list(
    make_actor: Any, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await alice.post(f"/api/v1/accounts/{bob.id}/mute")
    await alice.post(f"/api/v1/accounts/{carol.id}/mute")
    response = await alice.get("/api/v1/mutes")
    assert ids(response) == [carol.id, bob.id]
    assert response.json()[0]["mute_expires_at"] is None
    first = await alice.get("/api/v1/mutes", params={"limit": 1})
    assert ids(await alice.get(link_urls(first)["next"])) == [bob.id]
    for _ in range(2):
        rel = (await alice.post(f"/api/v1/accounts/{carol.id}/unmute")).json()
        assert rel["muting"] is False and rel["muting_notifications"] is False
    assert ids(await alice.get("/api/v1/mutes")) == [bob.id]


async def test_block_and_mute_lists_need_their_scopes(
    client: httpx.AsyncClient, make_actor: Any, bob: Actor
) -> None:
    assert (await client.get("/api/v1/blocks")).status_code == 401
    assert (await client.get("/api/v1/mutes")).status_code == 401
    narrow: Actor = await make_actor("narrow", scopes="read:blocks write:mutes")
    assert (await narrow.get("/api/v1/blocks")).status_code == 200
    assert (await narrow.get("/api/v1/mutes")).status_code == 403
    assert (await narrow.post(f"/api/v1/accounts/{bob.id}/mute")).status_code == 200
    assert (await narrow.post(f"/api/v1/accounts/{bob.id}/unblock")).status_code == 403
    legacy: Actor = await make_actor("legacy", scopes="follow")
    assert (await legacy.get("/api/v1/blocks")).status_code == 200
    assert (await legacy.get("/api/v1/mutes")).status_code == 200


async def test_blocking_or_muting_unknown_accounts_is_404(alice: Actor) -> None:
    missing = int(alice.id) + 5
    for action in ("block", "unblock", "mute", "unmute"):
        assert (await alice.post(f"/api/v1/accounts/{missing}/{action}")).status_code == 404

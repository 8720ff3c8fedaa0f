"""Who sees which status: private, direct, blocks (404 as Mastodon), reblogs of the blocked."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actor
from tests.statuses.support import act, ids, post, relate


async def _status_code(viewer: Actor | httpx.AsyncClient, status_id: str) -> int:
    response = await viewer.get(f"/api/v1/statuses/{status_id}")
    return response.status_code


async def test_public_and_unlisted_are_visible_to_everyone(
    alice: Actor, bob: Actor, client: httpx.AsyncClient
) -> None:
    for visibility in ("public", "unlisted"):
        status = await post(alice, visibility, visibility=visibility)
        assert await _status_code(bob, status["id"]) == 200
        assert await _status_code(client, status["id"]) == 200


async def test_private_status_is_for_author_followers_and_mentioned(
    alice: Actor, bob: Actor, carol: Actor, make_actor: Any, client: httpx.AsyncClient
) -> None:
    dave = await make_actor("dave")
    await relate(bob, alice, "follow")
    status = await post(alice, "for my followers and @dave", visibility="private")
    assert await _status_code(alice, status["id"]) == 200
    assert await _status_code(bob, status["id"]) == 200  # follower
    assert await _status_code(dave, status["id"]) == 200  # mentioned
    assert await _status_code(carol, status["id"]) == 404  # neither
    assert await _status_code(client, status["id"]) == 404  # anonymous


async def test_direct_status_is_only_for_author_and_mentioned(
    alice: Actor, bob: Actor, carol: Actor, client: httpx.AsyncClient
) -> None:
    await relate(carol, alice, "follow")
    status = await post(alice, "@bob just you", visibility="direct")
    assert await _status_code(alice, status["id"]) == 200
    assert await _status_code(bob, status["id"]) == 200
    assert await _status_code(carol, status["id"]) == 404  # following is not enough
    assert await _status_code(client, status["id"]) == 404


async def test_blocked_account_cannot_see_the_blockers_statuses(alice: Actor, bob: Actor) -> None:
    status = await post(alice, "not for bob")
    await relate(alice, bob, "block")
    assert await _status_code(bob, status["id"]) == 404
    await relate(alice, bob, "unblock")
    assert await _status_code(bob, status["id"]) == 200


async def test_blocker_does_not_see_statuses_of_whom_they_block(alice: Actor, bob: Actor) -> None:
    status = await post(bob, "bob speaks")
    await relate(alice, bob, "block")
    assert await _status_code(alice, status["id"]) == 404


async def test_blocked_account_cannot_interact(alice: Actor, bob: Actor) -> None:
    status = await post(alice, "hands off")
    await relate(alice, bob, "block")
    for action in ("favourite", "reblog", "unfavourite", "unreblog"):
        response = await act(bob, status["id"], action)
        assert response.status_code == 404, action
        assert response.json() == {"error": "Record not found"}
    reply = await bob.post(
        "/api/v1/statuses", json={"status": "hey", "in_reply_to_id": status["id"]}
    )
    assert reply.status_code == 422
    for path in ("context", "favourited_by", "reblogged_by"):
        assert (await bob.get(f"/api/v1/statuses/{status['id']}/{path}")).status_code == 404


async def test_reblog_of_a_blocked_accounts_status_is_hidden(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    original = await post(alice, "alice writes")
    wrapper = (await act(bob, original["id"], "reblog")).json()
    await relate(carol, alice, "block")
    assert await _status_code(carol, wrapper["id"]) == 404
    assert wrapper["id"] not in ids(await carol.get(f"/api/v1/accounts/{bob.id}/statuses"))
    assert await _status_code(bob, wrapper["id"]) == 200


async def test_mentioned_account_sees_private_reply_in_context(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    root = await post(alice, "root")
    private = await post(bob, "@alice between us", visibility="private", in_reply_to_id=root["id"])
    for_alice = (await alice.get(f"/api/v1/statuses/{root['id']}/context")).json()
    for_carol = (await carol.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert [s["id"] for s in for_alice["descendants"]] == [private["id"]]
    assert for_carol["descendants"] == []

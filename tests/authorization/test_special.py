"""Authorization rules the table cannot express: several accounts and steps, caches, OAuth.

Each test checks the refusal and, as its positive control, that the rightful caller can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from tests.conftest import Actor
from tests.oauth.support import register_app
from tests.statuses.support import ids, post, relate

if TYPE_CHECKING:
    from tests.conftest import TestApp


def _carries(response: httpx.Response, status_id: str) -> bool:
    assert response.status_code == 200, response.text
    return status_id in response.text


async def test_blocked_account_no_longer_reads_the_blockers_status_through_notifications(
    alice: Actor, bob: Actor, drain: Any
) -> None:
    status = await post(alice, "@bob between us", visibility="private")
    await drain()
    notes = (await bob.get("/api/v1/notifications")).json()
    assert [n["status"]["id"] for n in notes] == [status["id"]]
    assert await _unread(bob) == 1
    await relate(alice, bob, "block")
    assert not _carries(await bob.get("/api/v1/notifications"), status["id"])
    shown = await bob.get(f"/api/v1/notifications/{notes[0]['id']}")
    assert shown.status_code == 404, shown.text
    assert await _unread(bob) == 0, "the count does not leak what the list hides"
    await relate(alice, bob, "unblock")
    assert _carries(await bob.get("/api/v1/notifications"), status["id"])
    assert await _unread(bob) == 1


async def _unread(actor: Actor) -> int:
    answer = await actor.get("/api/v1/notifications/unread_count")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["count"])


async def test_notifications_from_across_a_block_are_no_longer_listed(
    alice: Actor, bob: Actor, drain: Any
) -> None:
    status = await post(bob, "bob's post")
    assert (await alice.post(f"/api/v1/statuses/{status['id']}/favourite")).status_code == 200
    await drain()
    assert [n["account"]["id"] for n in (await bob.get("/api/v1/notifications")).json()] == [
        alice.id
    ]
    await relate(alice, bob, "block")  # bob may no longer see alice's profile...
    assert (await bob.get("/api/v1/notifications")).json() == []  # ...nor her favourite
    await relate(alice, bob, "unblock")
    assert len((await bob.get("/api/v1/notifications")).json()) == 1


async def test_a_removed_follower_no_longer_reads_private_statuses_through_notifications(
    alice: Actor, bob: Actor, drain: Any
) -> None:
    await bob.post(f"/api/v1/accounts/{alice.id}/follow", json={"notify": True})
    status = await post(alice, "followers only", visibility="private")
    await drain()
    assert _carries(await bob.get("/api/v1/notifications"), status["id"])
    assert await _unread(bob) == 1
    await relate(bob, alice, "unfollow")
    await drain()
    assert not _carries(await bob.get("/api/v1/notifications"), status["id"])
    assert await _unread(bob) == 0


async def test_favourites_list_drops_what_the_viewer_can_no_longer_see(
    alice: Actor, bob: Actor
) -> None:
    await relate(bob, alice, "follow")
    status = await post(alice, "followers only", visibility="private")
    assert (await bob.post(f"/api/v1/statuses/{status['id']}/favourite")).status_code == 200
    assert ids(await bob.get("/api/v1/favourites")) == [status["id"]]
    await relate(alice, bob, "block")
    assert ids(await bob.get("/api/v1/favourites")) == []


async def test_home_drops_a_private_status_after_unfollow_and_after_a_block(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    for follower in (bob, carol):
        await relate(follower, alice, "follow")
    await drain()
    status = await post(alice, "followers only", visibility="private")
    await drain()
    for follower in (bob, carol):
        assert _carries(await follower.get("/api/v1/timelines/home"), status["id"])
    await relate(bob, alice, "unfollow")
    await relate(alice, carol, "block")
    await drain()
    for follower in (bob, carol):
        assert not _carries(await follower.get("/api/v1/timelines/home"), status["id"])


async def test_only_the_reblogger_deletes_a_reblog(alice: Actor, bob: Actor, carol: Actor) -> None:
    original = await post(alice, "share me")
    reblog = (await carol.post(f"/api/v1/statuses/{original['id']}/reblog")).json()
    for intruder in (alice, bob):  # not even the original's author
        response = await intruder.delete(f"/api/v1/statuses/{reblog['id']}")
        assert response.status_code == 404, response.text
    assert (await carol.get(f"/api/v1/statuses/{reblog['id']}")).status_code == 200
    assert (await carol.delete(f"/api/v1/statuses/{reblog['id']}")).status_code == 200


async def test_an_idempotency_key_never_returns_someone_elses_status(
    alice: Actor, bob: Actor
) -> None:
    async def send(actor: Actor, body: dict[str, str]) -> Any:
        headers = {**actor.auth, "Idempotency-Key": "same-key"}
        response = await actor.http.post("/api/v1/statuses", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    mine = await send(alice, {"status": "secret", "visibility": "direct"})
    theirs = await send(bob, {"status": "bob's"})
    assert theirs["id"] != mine["id"]
    assert theirs["account"]["id"] == bob.id
    again = await send(alice, {"status": "secret"})
    assert again["id"] == mine["id"]  # the key still works for its owner


async def test_another_app_or_nobody_cannot_revoke_a_token(
    client: httpx.AsyncClient, alice: Actor, test_app: TestApp
) -> None:
    other = await register_app(client, name="Someone else")
    for credentials in (
        {"client_id": other["client_id"], "client_secret": other["client_secret"]},
        {"client_id": test_app.client_id, "client_secret": "wrong"},
        {},
    ):
        response = await client.post("/oauth/revoke", data={"token": alice.token, **credentials})
        assert response.status_code == 403, response.text
        assert (await alice.get("/api/v1/accounts/verify_credentials")).status_code == 200
    response = await client.post(
        "/oauth/revoke",
        data={
            "token": alice.token,
            "client_id": test_app.client_id,
            "client_secret": test_app.client_secret,
        },
    )
    assert response.status_code == 200, response.text
    assert (await alice.get("/api/v1/accounts/verify_credentials")).status_code == 401


async def test_search_by_account_never_shows_private_statuses_to_strangers_or_the_blocked(
    alice: Actor, bob: Actor, make_actor: Any, drain: Any
) -> None:
    mallory: Actor = await make_actor("mallory")
    await relate(alice, mallory, "block")
    public = await post(alice, "wombatword in public")
    private = await post(alice, "wombatword for followers", visibility="private")
    await drain()
    params = {"q": "wombatword", "type": "statuses", "account_id": alice.id}
    assert ids_of(await alice.get("/api/v2/search", params=params)) == {public["id"], private["id"]}
    assert ids_of(await bob.get("/api/v2/search", params=params)) == {public["id"]}
    assert ids_of(await mallory.get("/api/v2/search", params=params)) == set()
    accounts = await mallory.get("/api/v2/search", params={"q": "alice", "type": "accounts"})
    assert alice.id not in accounts.text


def ids_of(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {status["id"] for status in response.json()["statuses"]}


async def test_who_favourited_or_reblogged_leaves_out_accounts_hidden_from_the_viewer(
    alice: Actor, bob: Actor, carol: Actor, make_actor: Any
) -> None:
    mallory: Actor = await make_actor("mallory")
    status = await post(carol, "a public post")
    assert (await alice.post(f"/api/v1/statuses/{status['id']}/favourite")).status_code == 200
    assert (await alice.post(f"/api/v1/statuses/{status['id']}/reblog")).status_code == 200
    await relate(alice, mallory, "block")  # mallory may not see alice's profile (404)...
    for listed in ("favourited_by", "reblogged_by"):
        url = f"/api/v1/statuses/{status['id']}/{listed}"
        assert ids(await bob.get(url)) == [alice.id]
        assert ids(await mallory.get(url)) == []  # ...so not in these lists either


async def test_reblogged_by_announces_open_reblogs_only(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    status = await post(alice, "a public post")
    quiet = await bob.post(
        f"/api/v1/statuses/{status['id']}/reblog", json={"visibility": "private"}
    )
    assert quiet.status_code == 200, quiet.text
    assert (await carol.post(f"/api/v1/statuses/{status['id']}/reblog")).status_code == 200
    for viewer in (alice, bob, carol):  # as Mastodon: followers-only reblogs are not listed
        assert ids(await viewer.get(f"/api/v1/statuses/{status['id']}/reblogged_by")) == [carol.id]

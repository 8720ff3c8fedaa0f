"""GET /api/v1/accounts/:id/statuses: filters, visibility, pagination, blocks."""

from __future__ import annotations

import httpx

from tests.conftest import Actor
from tests.statuses.support import act, ids, links, post, relate


async def test_profile_lists_statuses_and_reblogs_newest_first(
    alice: Actor, bob: Actor, client: httpx.AsyncClient
) -> None:
    first = await post(alice, "first")
    theirs = await post(bob, "bob's")
    wrapper = (await act(alice, theirs["id"], "reblog")).json()
    last = await post(alice, "last")
    listed = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert ids(listed) == [last["id"], wrapper["id"], first["id"]]
    assert listed.json()[1]["reblog"]["id"] == theirs["id"]


async def test_profile_filters(alice: Actor, bob: Actor, client: httpx.AsyncClient) -> None:
    plain = await post(alice, "plain #Cats")
    own_thread = await post(alice, "continuing", in_reply_to_id=plain["id"])
    theirs = await post(bob, "bob")
    reply_to_bob = await post(alice, "reply to bob", in_reply_to_id=theirs["id"])
    wrapper = (await act(alice, theirs["id"], "reblog")).json()
    url = f"/api/v1/accounts/{alice.id}/statuses"

    no_replies = await client.get(url, params={"exclude_replies": "true"})
    assert ids(no_replies) == [wrapper["id"], own_thread["id"], plain["id"]]
    no_reblogs = await client.get(url, params={"exclude_reblogs": "1"})
    assert ids(no_reblogs) == [reply_to_bob["id"], own_thread["id"], plain["id"]]
    tagged = await client.get(url, params={"tagged": "cats"})
    assert ids(tagged) == [plain["id"]]
    assert ids(await client.get(url, params={"only_media": "true"})) == []
    assert ids(await client.get(url, params={"pinned": "true"})) == []
    assert len(ids(await client.get(url, params={"pinned": "false"}))) == 4


async def test_profile_shows_each_viewer_what_they_may_see(
    alice: Actor, bob: Actor, carol: Actor, client: httpx.AsyncClient
) -> None:
    public = await post(alice, "public")
    unlisted = await post(alice, "unlisted", visibility="unlisted")
    private = await post(alice, "private", visibility="private")
    direct = await post(alice, "@carol direct", visibility="direct")
    await relate(bob, alice, "follow")
    url = f"/api/v1/accounts/{alice.id}/statuses"
    assert ids(await client.get(url)) == [unlisted["id"], public["id"]]
    assert ids(await bob.get(url)) == [private["id"], unlisted["id"], public["id"]]
    assert ids(await carol.get(url)) == [direct["id"], unlisted["id"], public["id"]]
    assert ids(await alice.get(url)) == [direct["id"], private["id"], unlisted["id"], public["id"]]


async def test_profile_pages_with_link_headers(alice: Actor, client: httpx.AsyncClient) -> None:
    made = [await post(alice, f"n{n}") for n in range(5)]
    newest_first = [status["id"] for status in reversed(made)]
    url = f"/api/v1/accounts/{alice.id}/statuses"
    first = await client.get(url, params={"limit": 2, "exclude_replies": "true"})
    assert ids(first) == newest_first[:2]
    next_url = links(first)["next"]
    assert "exclude_replies=true" in next_url and f"max_id={newest_first[1]}" in next_url
    second = await client.get(next_url)
    assert ids(second) == newest_first[2:4]
    newer = await client.get(links(second)["prev"])
    assert ids(newer) == newest_first[:2]
    since = await client.get(url, params={"since_id": newest_first[2]})
    assert ids(since) == newest_first[:2]
    min_page = await client.get(url, params={"min_id": newest_first[4], "limit": 2})
    assert ids(min_page) == newest_first[2:4]


async def test_profile_of_unknown_account_or_one_blocking_the_viewer_is_404(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await post(alice, "hello")
    assert (await bob.get("/api/v1/accounts/999/statuses")).status_code == 404
    assert (await bob.get("/api/v1/accounts/abc/statuses")).status_code == 404
    await relate(alice, bob, "block")
    blocked = await bob.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert blocked.status_code == 404
    assert blocked.json() == {"error": "Record not found"}
    # the blocker sees an empty profile of whom they block, not an error
    assert ids(await alice.get(f"/api/v1/accounts/{bob.id}/statuses")) == []
    assert len(ids(await carol.get(f"/api/v1/accounts/{alice.id}/statuses"))) == 1

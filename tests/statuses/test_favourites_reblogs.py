"""Favourites and reblogs: idempotent, true counters, who may reblog, lists with Link headers."""

from __future__ import annotations

from typing import Any

from roost.db import Database
from tests.conftest import Actor
from tests.statuses.support import act, ids, links, post, status_counters, statuses_count


async def test_favourite_is_idempotent_and_counted_once(
    alice: Actor, bob: Actor, db: Database
) -> None:
    status = await post(alice, "like me")
    for _ in range(2):
        response = await act(bob, status["id"], "favourite")
        assert response.status_code == 200
        assert response.json()["favourited"] is True
        assert response.json()["favourites_count"] == 1
    assert (await status_counters(db, status["id"]))["favourites"] == 1
    for _ in range(2):
        response = await act(bob, status["id"], "unfavourite")
        assert response.status_code == 200
        assert response.json()["favourited"] is False
        assert response.json()["favourites_count"] == 0
    assert (await status_counters(db, status["id"]))["favourites"] == 0


async def test_favourited_flag_is_per_viewer(alice: Actor, bob: Actor, carol: Actor) -> None:
    status = await post(alice, "flags")
    await act(bob, status["id"], "favourite")
    assert (await bob.get(f"/api/v1/statuses/{status['id']}")).json()["favourited"] is True
    assert (await carol.get(f"/api/v1/statuses/{status['id']}")).json()["favourited"] is False


async def test_reblog_returns_the_wrapper_and_counts_once(
    alice: Actor, bob: Actor, db: Database
) -> None:
    original = await post(alice, "share me")
    first = await act(bob, original["id"], "reblog")
    again = await act(bob, original["id"], "reblog")
    assert first.status_code == again.status_code == 200
    wrapper = first.json()
    assert again.json()["id"] == wrapper["id"]
    assert wrapper["account"]["id"] == bob.id
    assert wrapper["content"] == ""
    assert wrapper["reblog"]["id"] == original["id"]
    assert wrapper["reblog"]["reblogged"] is True
    assert wrapper["reblog"]["reblogs_count"] == 1
    assert (await status_counters(db, original["id"]))["reblogs"] == 1
    assert await statuses_count(db, bob) == 1
    shown = (await bob.get(f"/api/v1/statuses/{wrapper['id']}")).json()
    assert shown["reblog"]["id"] == original["id"]


async def test_unreblog_returns_the_original_and_is_idempotent(
    alice: Actor, bob: Actor, db: Database
) -> None:
    original = await post(alice, "share me")
    wrapper = (await act(bob, original["id"], "reblog")).json()
    for _ in range(2):
        response = await act(bob, original["id"], "unreblog")
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == original["id"]
        assert body["reblogged"] is False
        assert body["reblogs_count"] == 0
    assert (await bob.get(f"/api/v1/statuses/{wrapper['id']}")).status_code == 404
    assert await statuses_count(db, bob) == 0


async def test_reblogging_a_reblog_reblogs_the_original(
    alice: Actor, bob: Actor, carol: Actor, db: Database
) -> None:
    original = await post(alice, "pass it on")
    wrapper = (await act(bob, original["id"], "reblog")).json()
    second = (await act(carol, wrapper["id"], "reblog")).json()
    assert second["reblog"]["id"] == original["id"]
    assert (await status_counters(db, original["id"]))["reblogs"] == 2


async def test_reblog_visibility_parameter(alice: Actor, bob: Actor) -> None:
    original = await post(alice, "quietly")
    wrapper = (await act(bob, original["id"], "reblog", visibility="unlisted")).json()
    assert wrapper["visibility"] == "unlisted"
    bad = await act(bob, original["id"], "unreblog")
    assert bad.status_code == 200
    invalid = await act(bob, original["id"], "reblog", visibility="direct")
    assert invalid.status_code == 422


async def test_private_and_direct_statuses_cannot_be_reblogged(
    alice: Actor, bob: Actor, db: Database
) -> None:
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    private = await post(alice, "followers only", visibility="private")
    direct = await post(alice, "@bob direct", visibility="direct")
    for status in (private, direct):
        response = await act(bob, status["id"], "reblog")
        assert response.status_code == 403, response.text
        assert "error" in response.json()
        assert (await status_counters(db, status["id"]))["reblogs"] == 0
    assert await statuses_count(db, bob) == 0


async def test_author_may_reblog_their_own_private_status_privately(alice: Actor) -> None:
    private = await post(alice, "mine", visibility="private")
    response = await act(alice, private["id"], "reblog", visibility="public")
    assert response.status_code == 200
    assert response.json()["visibility"] == "private"
    direct = await post(alice, "direct", visibility="direct")
    assert (await act(alice, direct["id"], "reblog")).status_code == 403


async def test_favourite_needs_the_favourites_scope(alice: Actor, make_actor: Any) -> None:
    status = await post(alice, "scoped")
    reader = await make_actor("reader", scopes="read write:statuses")
    assert (await act(reader, status["id"], "favourite")).status_code == 403
    assert (await act(reader, status["id"], "reblog")).status_code == 200


async def test_unknown_status_actions_are_404(bob: Actor) -> None:
    for action in ("favourite", "unfavourite", "reblog", "unreblog"):
        assert (await act(bob, "424242", action)).status_code == 404
        assert (await act(bob, "nonsense", action)).status_code == 404


async def test_favourited_by_and_reblogged_by_page_with_link_headers(
    alice: Actor, make_actor: Any
) -> None:
    status = await post(alice, "popular")
    fans = [await make_actor(f"fan{n}") for n in range(5)]
    for fan in fans:
        await act(fan, status["id"], "favourite")
        await act(fan, status["id"], "reblog")
    newest_first = [fan.id for fan in reversed(fans)]
    for path in ("favourited_by", "reblogged_by"):
        url = f"/api/v1/statuses/{status['id']}/{path}"
        first = await alice.get(url, params={"limit": 2})
        assert ids(first) == newest_first[:2]
        next_url = links(first)["next"]
        second = await alice.get(next_url)
        assert ids(second) == newest_first[2:4]
        prev = await alice.get(links(second)["prev"])
        assert ids(prev) == newest_first[:2]
        everything = await alice.get(url)
        assert ids(everything) == newest_first


async def test_favourites_list_pages_by_favourite_not_status(
    alice: Actor, bob: Actor, db: Database
) -> None:
    statuses = [await post(alice, f"status {n}") for n in range(4)]
    # favourite in an order different from the statuses' own order
    order = [statuses[2], statuses[0], statuses[3], statuses[1]]
    for status in order:
        await act(bob, status["id"], "favourite")
    expected = [status["id"] for status in reversed(order)]
    first = await bob.get("/api/v1/favourites", params={"limit": 2})
    assert ids(first) == expected[:2]
    assert all(item["favourited"] for item in first.json())
    second = await bob.get(links(first)["next"])
    assert ids(second) == expected[2:]
    third = await bob.get(links(second)["next"])
    assert ids(third) == []
    assert "link" not in third.headers
    assert ids(await bob.get(links(second)["prev"])) == expected[:2]


async def test_favourites_of_statuses_now_hidden_are_not_listed(alice: Actor, bob: Actor) -> None:
    status = await post(alice, "soon hidden")
    await act(bob, status["id"], "favourite")
    await alice.post(f"/api/v1/accounts/{bob.id}/block")
    assert ids(await bob.get("/api/v1/favourites")) == []

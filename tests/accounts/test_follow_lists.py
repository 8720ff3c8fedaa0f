"""Followers and following lists: newest follow first, paged by follow id with a Link header."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.accounts.graph_support import ids, link_urls
from tests.conftest import Actor


async def test_followers_page_through_with_link_headers(
    client: httpx.AsyncClient, make_actor: Any, alice: Actor
) -> None:
    fans = [await make_actor(f"fan{i}") for i in range(5)]
    for fan in fans:
        assert (await fan.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
    newest_first = [fan.id for fan in reversed(fans)]

    url = f"/api/v1/accounts/{alice.id}/followers?limit=2"
    pages: list[list[str]] = []
    while True:
        response = await client.get(url)
        page = ids(response)
        if not page:
            assert "link" not in response.headers
            break
        pages.append(page)
        links = link_urls(response)
        assert set(links) == {"next", "prev"}
        assert parse_qs(urlsplit(links["next"]).query)["limit"] == ["2"]
        url = links["next"]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]


async def test_followers_cursors_are_follow_ids_not_account_ids(
    client: httpx.AsyncClient, make_actor: Any, alice: Actor, bob: Actor, carol: Actor
) -> None:
    # Carol's account is newer than Bob's, but Bob follows last: he must come first.
    await carol.post(f"/api/v1/accounts/{alice.id}/follow")
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    first = await client.get(f"/api/v1/accounts/{alice.id}/followers", params={"limit": 1})
    assert ids(first) == [bob.id]
    second = await client.get(link_urls(first)["next"])
    assert ids(second) == [carol.id]
    # The prev link of the second page leads back to Bob.
    back = await client.get(link_urls(second)["prev"])
    assert ids(back) == [bob.id]
    cursor = parse_qs(urlsplit(link_urls(first)["next"]).query)["max_id"][0]
    assert cursor not in {alice.id, bob.id, carol.id}


async def test_following_list_is_newest_first(
    client: httpx.AsyncClient, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await alice.post(f"/api/v1/accounts/{carol.id}/follow")
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    response = await client.get(f"/api/v1/accounts/{alice.id}/following")
    assert ids(response) == [bob.id, carol.id]
    assert response.json()[0]["followers_count"] == 1


async def test_since_and_min_id_page_upwards(
    client: httpx.AsyncClient, make_actor: Any, alice: Actor
) -> None:
    fans = [await make_actor(f"fan{i}") for i in range(4)]
    for fan in fans:
        await fan.post(f"/api/v1/accounts/{alice.id}/follow")
    newest_page = await client.get(
        f"/api/v1/accounts/{alice.id}/followers", params={"limit": 1, "max_id": "9" * 18}
    )
    everything = ids(await client.get(f"/api/v1/accounts/{alice.id}/followers"))
    assert everything == [fan.id for fan in reversed(fans)]
    assert ids(newest_page) == [fans[3].id]
    last = await client.get(link_urls(newest_page)["next"].replace("limit=1", "limit=3"))
    assert ids(last) == [fans[2].id, fans[1].id, fans[0].id]
    cursor = parse_qs(urlsplit(link_urls(last)["next"]).query)["max_id"][0]
    above = await client.get(
        f"/api/v1/accounts/{alice.id}/followers", params={"min_id": cursor, "limit": 2}
    )
    # min_id: the items just above the cursor (the oldest fan's follow), still newest first.
    assert ids(above) == [fans[2].id, fans[1].id]
    since = await client.get(
        f"/api/v1/accounts/{alice.id}/followers", params={"since_id": cursor, "limit": 2}
    )
    # since_id: the newest items above the cursor.
    assert ids(since) == [fans[3].id, fans[2].id]


async def test_lists_default_to_40_and_cap_at_80(
    client: httpx.AsyncClient, make_actor: Any, alice: Actor
) -> None:
    fans = [await make_actor(f"fan{i}") for i in range(42)]
    for fan in fans:
        await fan.post(f"/api/v1/accounts/{alice.id}/follow")
    assert len(ids(await client.get(f"/api/v1/accounts/{alice.id}/followers"))) == 40
    response = await client.get(f"/api/v1/accounts/{alice.id}/followers", params={"limit": 500})
    assert len(ids(response)) == 42


async def test_lists_of_unknown_accounts_are_404(client: httpx.AsyncClient, alice: Actor) -> None:
    for path in ("followers", "following"):
        assert (await client.get(f"/api/v1/accounts/{int(alice.id) + 3}/{path}")).status_code == 404
        assert (await client.get(f"/api/v1/accounts/xyz/{path}")).status_code == 404


async def test_bad_cursor_is_422(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.get(f"/api/v1/accounts/{alice.id}/followers", params={"max_id": "x"})
    assert response.status_code == 422
    assert "error" in response.json()


async def test_blocker_lists_are_empty_for_the_blocked_viewer(
    client: httpx.AsyncClient, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await carol.post(f"/api/v1/accounts/{alice.id}/follow")
    await alice.post(f"/api/v1/accounts/{carol.id}/follow")
    await alice.post(f"/api/v1/accounts/{bob.id}/block")
    assert ids(await bob.get(f"/api/v1/accounts/{alice.id}/followers")) == []
    assert ids(await bob.get(f"/api/v1/accounts/{alice.id}/following")) == []
    assert ids(await client.get(f"/api/v1/accounts/{alice.id}/followers")) == [carol.id]


async def test_lists_leave_out_accounts_the_viewer_blocks_or_mutes(
    client: httpx.AsyncClient, make_actor: Any, alice: Actor, bob: Actor, carol: Actor
) -> None:
    dave: Actor = await make_actor("dave")
    for fan in (bob, carol, dave):
        await fan.post(f"/api/v1/accounts/{alice.id}/follow")
    viewer: Actor = await make_actor("viewer")
    await viewer.post(f"/api/v1/accounts/{bob.id}/block")
    await viewer.post(f"/api/v1/accounts/{carol.id}/mute")
    assert ids(await viewer.get(f"/api/v1/accounts/{alice.id}/followers")) == [dave.id]
    # Alice's own view of her followers is complete.
    assert len(ids(await alice.get(f"/api/v1/accounts/{alice.id}/followers"))) == 3

"""The notification endpoints: filters, paging, show, dismiss, clear, unread counts, and
that nobody but the recipient (with the right scope) can read or change them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.accounts.graph_support import link_urls
from tests.conftest import Actor
from tests.notifications.helpers import NOTIFICATIONS, act, kinds, notifications, post


async def _mixed(alice: Actor, bob: Actor, carol: Actor, drain: Any) -> dict[str, Any]:
    """alice gets: follow (bob), favourite (carol), mention (bob), reblog (carol)."""
    status = await post(alice, "hello")
    await act(bob, f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    await act(carol, f"/api/v1/statuses/{status['id']}/favourite")
    await drain()
    mention = await post(bob, "@alice hi")
    await drain()
    await act(carol, f"/api/v1/statuses/{status['id']}/reblog")
    await drain()
    return {"status": status, "mention": mention}


async def test_notifications_come_newest_first_and_filter_by_type_and_account(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    await _mixed(alice, bob, carol, drain)
    assert [k[0] for k in await kinds(alice)] == ["reblog", "mention", "favourite", "follow"]
    only = await kinds(alice, **{"types[]": ["mention", "follow"]})
    assert [k[0] for k in only] == ["mention", "follow"]
    without = await kinds(alice, **{"exclude_types[]": ["reblog", "favourite"]})
    assert [k[0] for k in without] == ["mention", "follow"]
    from_carol = await kinds(alice, account_id=carol.id)
    assert [k[0] for k in from_carol] == ["reblog", "favourite"]
    assert await kinds(alice, **{"types[]": "poll"}) == []
    response = await alice.get(NOTIFICATIONS, params={"account_id": "x"})
    assert response.status_code == 422


async def test_notifications_page_with_max_since_and_min_id_and_a_link_header(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    await _mixed(alice, bob, carol, drain)
    every = [item["id"] for item in await notifications(alice)]
    first = await alice.get(NOTIFICATIONS, params={"limit": 2})
    assert [item["id"] for item in first.json()] == every[:2]
    links = link_urls(first)
    assert f"max_id={every[1]}" in links["next"] and f"min_id={every[0]}" in links["prev"]
    second = await alice.get(links["next"])
    assert [item["id"] for item in second.json()] == every[2:4]
    newer = await alice.get(NOTIFICATIONS, params={"min_id": every[3], "limit": 2})
    assert [item["id"] for item in newer.json()] == every[1:3]
    since = await alice.get(NOTIFICATIONS, params={"since_id": every[3], "limit": 2})
    assert [item["id"] for item in since.json()] == every[:2]
    big = await alice.get(NOTIFICATIONS, params={"limit": 500})
    assert len(big.json()) == 4
    empty = await alice.get(NOTIFICATIONS, params={"max_id": every[3]})
    assert empty.json() == [] and "link" not in empty.headers


async def test_show_dismiss_and_clear_touch_only_ones_own_notifications(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    await _mixed(alice, bob, carol, drain)
    await act(alice, f"/api/v1/accounts/{bob.id}/follow")
    await drain()
    mine = await notifications(alice)
    theirs = (await notifications(bob))[0]["id"]
    one = await alice.get(f"{NOTIFICATIONS}/{mine[0]['id']}")
    assert one.status_code == 200 and one.json() == mine[0]
    # Someone else's notification is a 404, whether reading or dismissing it.
    assert (await alice.get(f"{NOTIFICATIONS}/{theirs}")).status_code == 404
    assert (await alice.post(f"{NOTIFICATIONS}/{theirs}/dismiss")).status_code == 404
    assert (await alice.get(f"{NOTIFICATIONS}/nope")).status_code == 404
    assert len(await notifications(bob)) == 1
    dismissed = await alice.post(f"{NOTIFICATIONS}/{mine[0]['id']}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert [item["id"] for item in await notifications(alice)] == [i["id"] for i in mine[1:]]
    again = await alice.post(f"{NOTIFICATIONS}/{mine[0]['id']}/dismiss")
    assert again.status_code == 404
    cleared = await alice.post(f"{NOTIFICATIONS}/clear")
    assert cleared.status_code == 200 and cleared.json() == {}
    assert await notifications(alice) == []
    assert len(await notifications(bob)) == 1  # clearing is one's own business


async def test_unread_count_counts_what_is_newer_than_the_notifications_marker(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    await _mixed(alice, bob, carol, drain)
    every = [item["id"] for item in await notifications(alice)]
    count = await alice.get(f"{NOTIFICATIONS}/unread_count")
    assert count.status_code == 200 and count.json() == {"count": 4}
    await act(alice, "/api/v1/markers", notifications={"last_read_id": every[2]})
    assert (await alice.get(f"{NOTIFICATIONS}/unread_count")).json() == {"count": 2}
    capped = await alice.get(f"{NOTIFICATIONS}/unread_count", params={"limit": 1})
    assert capped.json() == {"count": 1}
    typed = await alice.get(f"{NOTIFICATIONS}/unread_count", params={"types[]": "reblog"})
    assert typed.json() == {"count": 1}
    await act(alice, "/api/v1/markers", notifications={"last_read_id": every[0]})
    assert (await alice.get(f"{NOTIFICATIONS}/unread_count")).json() == {"count": 0}


async def test_notifications_need_a_user_token_with_the_notification_scopes(
    alice: Actor, bob: Actor, client: httpx.AsyncClient, make_actor: Any, drain: Any
) -> None:
    await act(bob, f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    the_id = (await notifications(alice))[0]["id"]
    for method, url in [
        ("GET", NOTIFICATIONS),
        ("GET", f"{NOTIFICATIONS}/{the_id}"),
        ("GET", f"{NOTIFICATIONS}/unread_count"),
        ("POST", f"{NOTIFICATIONS}/{the_id}/dismiss"),
        ("POST", f"{NOTIFICATIONS}/clear"),
        ("GET", "/api/v1/markers"),
        ("POST", "/api/v1/markers"),
    ]:
        assert (await client.request(method, url)).status_code == 401, url
    reader = await make_actor("reader", scopes="read:statuses write:statuses")
    assert (await reader.get(NOTIFICATIONS)).status_code == 403
    assert (await reader.get(f"{NOTIFICATIONS}/unread_count")).status_code == 403
    looker = await make_actor("looker", scopes="read:notifications")
    assert (await looker.get(NOTIFICATIONS)).status_code == 200
    assert (await looker.post(f"{NOTIFICATIONS}/clear")).status_code == 403
    assert (await looker.post(f"{NOTIFICATIONS}/1/dismiss")).status_code == 403
    assert (await looker.get("/api/v1/markers")).status_code == 403
    assert len(await notifications(alice)) == 1

"""Trending hashtags and statuses: counted per hour by the ``trends`` worker, once per
use or engagement however often an event is delivered, ranked with decay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from roost.db.metadata import utcnow
from roost.statuses.schema import statuses
from roost.trends import service
from tests.conftest import Actor


async def post(actor: Actor, text: str, **extra: Any) -> dict[str, Any]:
    response = await actor.post("/api/v1/statuses", json={"status": text, **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def trending_tags(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/trends/tags", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def trending_statuses(who: Actor | httpx.AsyncClient, **params: Any) -> list[str]:
    response = await who.get("/api/v1/trends/statuses", params=params)
    assert response.status_code == 200, response.text
    return [status["id"] for status in response.json()]


async def backdate(db: Any, status_ids: list[str], hours: float) -> None:
    """Move statuses into the past before the worker counts them."""
    async with db.write() as conn:
        await conn.execute(
            update(statuses)
            .where(statuses.c.id.in_([int(i) for i in status_ids]))
            .values(created_at=utcnow() - timedelta(hours=hours))
        )


async def test_tags_trend_by_distinct_accounts_counted_by_the_worker(
    client: httpx.AsyncClient, alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    await post(alice, "#Gardening today")
    await post(bob, "more #gardening")
    await post(carol, "#cooking")
    await post(carol, "and #cooking again")
    await post(carol, "not counted: #secret", visibility="private")
    assert await trending_tags(client) == []  # nothing counted before the worker runs

    await drain()

    trends = await trending_tags(client)
    assert [tag["name"] for tag in trends] == ["Gardening", "cooking"]
    assert trends[0]["history"][0]["uses"] == "2"
    assert trends[0]["history"][0]["accounts"] == "2"
    assert trends[1]["history"][0]["uses"] == "2"
    assert trends[1]["history"][0]["accounts"] == "1"
    # the deprecated alias answers the same
    alias = (await client.get("/api/v1/trends")).json()
    assert [tag["name"] for tag in alias] == ["Gardening", "cooking"]


async def test_a_redelivered_event_does_not_count_twice(
    client: httpx.AsyncClient, db: Any, alice: Actor, bob: Actor, drain: Any
) -> None:
    status = await post(alice, "#knitting is fun")
    await drain()
    favourite = await bob.post(f"/api/v1/statuses/{status['id']}/favourite")
    assert favourite.status_code == 200
    await drain()

    # the worker gets the same events again (at-least-once delivery)
    await service.count_status_created(db=db, status_id=int(status["id"]))
    await service.count_favourite(
        db=db, status_id=int(status["id"]), account_id=int(bob.id), at=utcnow()
    )
    # unfavourite and favourite again: one account, still one engagement
    await bob.post(f"/api/v1/statuses/{status['id']}/unfavourite")
    await bob.post(f"/api/v1/statuses/{status['id']}/favourite")
    await drain()

    history = (await trending_tags(client))[0]["history"][0]
    assert (history["uses"], history["accounts"]) == ("1", "1")
    async with db.read() as conn:
        from roost.trends.queries import status_hour_buckets

        buckets = await status_hour_buckets(conn, since_hour=0, viewer_id=None)
    assert [bucket["engagements"] for bucket in buckets] == [1]


async def test_recent_activity_outranks_older_activity_and_the_window_ends(
    client: httpx.AsyncClient, db: Any, make_actor: Any, drain: Any
) -> None:
    cast = [await make_actor(f"user{n}") for n in range(4)]
    old = [await post(actor, "#yesterday") for actor in cast[:3]]
    for actor in cast[:2]:
        await post(actor, "#today")
    ancient = [await post(actor, "#lastweek") for actor in cast]
    await backdate(db, [s["id"] for s in old], hours=20)
    await backdate(db, [s["id"] for s in ancient], hours=60)  # outside the 48 h window
    await drain()

    names = [tag["name"] for tag in await trending_tags(client)]
    # 3 accounts 20 h ago (about 3 * 0.5 ** (20 / 6) = 0.3) < 2 accounts now
    assert names == ["today", "yesterday"]


async def test_trends_tags_offset_and_limit(
    client: httpx.AsyncClient, alice: Actor, bob: Actor, drain: Any
) -> None:
    await post(alice, "#one #two #three")
    await post(bob, "#one #two")
    await post(bob, "#one")
    await drain()
    first = await trending_tags(client, limit=2)
    assert [tag["name"] for tag in first] == ["one", "two"]
    response = await client.get("/api/v1/trends/tags", params={"limit": 2})
    assert "offset=2" in response.headers["link"]
    rest = await trending_tags(client, limit=2, offset=2)
    assert [tag["name"] for tag in rest] == ["three"]


async def test_tag_history_has_seven_days_as_strings(
    client: httpx.AsyncClient, db: Any, alice: Actor, bob: Actor, drain: Any
) -> None:
    today = await post(alice, "#history")
    two_days_ago = await post(bob, "#history")
    await backdate(db, [two_days_ago["id"]], hours=48)
    await drain()

    tag = (await client.get("/api/v1/tags/history")).json()
    history = tag["history"]
    assert len(history) == 7
    assert all(set(day) == {"day", "uses", "accounts"} for day in history)
    assert all(isinstance(value, str) for day in history for value in day.values())
    days = [int(day["day"]) for day in history]
    assert all(day % 86_400 == 0 for day in days)
    assert days == sorted(days, reverse=True) and days[0] - days[1] == 86_400
    assert (history[0]["uses"], history[0]["accounts"]) == ("1", "1")
    assert (history[2]["uses"], history[2]["accounts"]) == ("1", "1")
    assert history[1]["uses"] == "0"
    assert today["tags"][0]["name"] == "history"


async def test_statuses_trend_by_favourites_and_reblogs(
    client: httpx.AsyncClient, alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    popular = await post(alice, "everyone likes this")
    liked = await post(alice, "one like")
    hidden = await post(alice, "followers only", visibility="private")
    await post(alice, "nobody cares")
    for actor in (bob, carol):
        assert (await actor.post(f"/api/v1/statuses/{popular['id']}/favourite")).status_code == 200
    assert (await carol.post(f"/api/v1/statuses/{popular['id']}/reblog")).status_code == 200
    assert (await bob.post(f"/api/v1/statuses/{liked['id']}/favourite")).status_code == 200
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    await bob.post(f"/api/v1/statuses/{hidden['id']}/favourite")
    await alice.post(f"/api/v1/statuses/{liked['id']}/favourite")  # one's own: not counted
    await drain()

    assert await trending_statuses(client) == [popular["id"], liked["id"]]
    # a viewer who blocks the author sees none of them
    assert (await carol.post(f"/api/v1/accounts/{alice.id}/block")).status_code == 200
    assert await trending_statuses(carol) == []
    assert await trending_statuses(client, limit=1, offset=1) == [liked["id"]]

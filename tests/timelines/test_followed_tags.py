"""Followed hashtags feed the home timeline: public statuses (no reblogs) carrying a
followed hashtag, by anyone, through fan-out, rebuilds and the read-time filter alike."""

from __future__ import annotations

from typing import Any

from roost.db import Database
from roost.db.paging import Page
from roost.settings import Settings
from roost.timelines import queries
from roost.timelines.engine import Engine, engine
from roost.timelines.schema import home_feed_entries, home_feeds
from tests.conftest import Actor, _delete_redis_prefix
from tests.timelines.helpers import HOME, home_ids, post, reblog, relate, settle


def _engine(app: Any) -> Engine:
    state = app.state.roost
    return engine(settings=state.settings, db=state.db, redis=state.redis, keys=state.keys)


async def reference(db: Database, actor: Actor) -> list[str]:
    """The whole home timeline from the database query alone."""
    async with db.read() as conn:
        rows = await queries.home_timeline(conn, viewer_id=int(actor.id), page=Page(limit=10_000))
    return [str(row["id"]) for row in rows]


async def follow_tag(actor: Actor, name: str) -> None:
    response = await actor.post(f"/api/v1/tags/{name}/follow")
    assert response.status_code == 200, response.text


async def unfollow_tag(actor: Actor, name: str) -> None:
    response = await actor.post(f"/api/v1/tags/{name}/unfollow")
    assert response.status_code == 200, response.text


async def test_followed_tag_brings_a_strangers_public_status_into_home(
    app: Any, db: Database, alice: Actor, carol: Actor
) -> None:
    await follow_tag(alice, "birds")
    await home_ids(alice)  # alice's timeline exists now
    status = await post(carol, "look at these #Birds")
    untagged = await post(carol, "no tag here")

    await settle()
    stored = await _engine(app).store.read(int(alice.id))

    assert stored is not None and int(status["id"]) in stored.ids  # fanned out
    assert await home_ids(alice) == [status["id"]]
    assert untagged["id"] not in await reference(db, alice)
    assert await reference(db, alice) == [status["id"]]


async def test_followed_tag_statuses_survive_a_flushed_store(
    app: Any, db: Database, settings: Settings, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    await follow_tag(alice, "birds")
    tagged = await post(carol, "#birds at dawn")
    followed = await post(bob, "bob writes")
    await home_ids(alice)

    if settings.redis_url:
        await _delete_redis_prefix(settings)
    else:
        async with db.write() as conn:
            await conn.execute(home_feed_entries.delete())
            await conn.execute(home_feeds.delete())

    assert await home_ids(alice) == [followed["id"], tagged["id"]]
    assert await reference(db, alice) == [followed["id"], tagged["id"]]


async def test_unlisted_private_and_reblogged_tagged_statuses_stay_out(
    db: Database, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await follow_tag(alice, "birds")
    await home_ids(alice)
    unlisted = await post(carol, "quiet #birds", visibility="unlisted")
    private = await post(carol, "secret #birds", visibility="private")
    public = await post(carol, "loud #birds")
    boosted = await reblog(bob, public)

    ids = await home_ids(alice)

    assert public["id"] in ids
    for status in (unlisted, private, boosted):
        assert status["id"] not in ids
    assert ids == await reference(db, alice)


async def test_tagged_reply_to_a_stranger_still_arrives(
    db: Database, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await follow_tag(alice, "birds")
    await relate(alice, carol, "follow")
    parent = await post(bob, "what bird is this?")
    reply = await post(carol, "a #birds expert says: a robin", in_reply_to_id=parent["id"])

    ids = await home_ids(alice)

    assert reply["id"] in ids  # as Mastodon's tag delivery: no reply rule
    assert parent["id"] not in ids
    assert ids == await reference(db, alice)


async def test_unfollowed_tag_takes_its_statuses_out(
    db: Database, alice: Actor, carol: Actor
) -> None:
    await follow_tag(alice, "birds")
    status = await post(carol, "#birds again")
    assert status["id"] in await home_ids(alice)

    await unfollow_tag(alice, "birds")

    # Before any worker runs: the read-time filter (the viewer context was forgotten).
    assert status["id"] not in [s["id"] for s in (await alice.get(HOME)).json()]
    # After the workers: the rebuilt timeline and the reference query agree.
    assert status["id"] not in await home_ids(alice)
    assert await reference(db, alice) == []


async def test_followed_tag_does_not_show_muted_or_blocked_authors(
    db: Database, alice: Actor, bob: Actor, carol: Actor, make_actor: Any
) -> None:
    dave = await make_actor("dave")
    await follow_tag(alice, "birds")
    await relate(alice, carol, "mute")
    await relate(alice, bob, "block")
    await relate(dave, alice, "block")
    await home_ids(alice)
    muted = await post(carol, "#birds from a muted account")
    blocked = await post(bob, "#birds from a blocked account")
    blocker = await post(dave, "#birds from someone blocking alice")
    mentions_muted = await post(await make_actor("erin"), "#birds with @carol")

    ids = await home_ids(alice)

    for status in (muted, blocked, blocker, mentions_muted):
        assert status["id"] not in ids
    assert ids == await reference(db, alice) == []


async def test_muting_after_delivery_hides_the_tagged_status_at_once(
    alice: Actor, carol: Actor
) -> None:
    await follow_tag(alice, "birds")
    status = await post(carol, "#birds before the mute")
    assert status["id"] in await home_ids(alice)

    await relate(alice, carol, "mute")

    assert status["id"] not in [s["id"] for s in (await alice.get(HOME)).json()]
    assert status["id"] not in await home_ids(alice)

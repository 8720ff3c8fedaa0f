"""The timeline engine on both deployments: fan-out, caps, the floor and the database
beyond it, fall-off, inactive followers, pull authors, a flushed store, round trips."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import ConnectionPool
from sqlalchemy import event, update

from roost.accounts.schema import accounts
from roost.db import Database
from roost.db.metadata import utcnow
from roost.db.paging import Page
from roost.oauth import token_cache
from roost.settings import Settings
from roost.timelines import queries
from roost.timelines.engine import Engine, engine
from roost.timelines.schema import home_feed_entries, home_feeds
from tests.conftest import Actor, _delete_redis_prefix
from tests.timelines.helpers import HOME, home_ids, post, reblog, relate, settle

# Settings per test (by function name), applied on top of the shared fixture's.
OVERRIDES: dict[str, dict[str, Any]] = {
    "test_timeline_is_trimmed_to_the_cap_and_paging_continues_from_the_database": {
        "timeline_cap": 10
    },
    "test_reblog_of_a_status_near_the_top_is_not_inserted_twice": {"reblog_falloff": 5},
    "test_pull_authors_are_merged_in_when_reading": {"fanout_threshold": 1},
    "test_fan_out_goes_out_in_batches": {"fanout_batch_size": 2},
    # A token reloaded mid-test would add a query to one of the two reads compared.
    "test_home_page_costs_fixed_database_and_redis_round_trips": {"token_cache_seconds": 3600},
}


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    changes = OVERRIDES.get(request.node.originalname, {})
    return Settings(**{**settings.model_dump(), **changes}, _env_file=None)  # type: ignore[call-arg]


def _engine(app: Any) -> Engine:
    state = app.state.roost
    return engine(settings=state.settings, db=state.db, redis=state.redis, keys=state.keys)


async def reference(db: Database, actor: Actor) -> list[str]:
    """The whole home timeline from the database query alone."""
    async with db.read() as conn:
        rows = await queries.home_timeline(conn, viewer_id=int(actor.id), page=Page(limit=10_000))
    return [str(row["id"]) for row in rows]


async def walk_down(actor: Actor, limit: int) -> list[str]:
    """Every page following max_id from the top."""
    await settle()
    seen: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        page = [s["id"] for s in (await actor.get(HOME, params=params)).json()]
        if not page:
            return seen
        seen += page
        params = {"limit": limit, "max_id": page[-1]}


async def walk_up(actor: Actor, limit: int) -> list[str]:
    """Every page following min_id from the bottom, newest first in the end."""
    await settle()
    seen: list[str] = []
    params: dict[str, Any] = {"limit": limit, "min_id": "0"}
    while True:
        page = [s["id"] for s in (await actor.get(HOME, params=params)).json()]
        if not page:
            return sorted(seen, key=int, reverse=True)
        seen += page
        params = {"limit": limit, "min_id": page[0]}


async def test_followers_get_new_statuses_through_the_workers(
    app: Any, alice: Actor, bob: Actor
) -> None:
    await relate(alice, bob, "follow")
    await home_ids(alice)  # alice's timeline exists now
    status = await post(bob, "hello followers")

    before = await _engine(app).store.read(int(alice.id))
    await settle()
    after = await _engine(app).store.read(int(alice.id))

    assert before is not None and int(status["id"]) not in before.ids
    assert after is not None and int(status["id"]) in after.ids
    assert await home_ids(alice) == [status["id"]]


async def test_author_sees_own_status_before_any_worker_runs(app: Any, alice: Actor) -> None:
    await home_ids(alice)
    status = await post(alice, "mine")

    stored = await _engine(app).store.read(int(alice.id))  # no drain: the inline listener

    assert stored is not None and int(status["id"]) in stored.ids
    assert (await alice.get(HOME)).json()[0]["id"] == status["id"]


async def test_fan_out_goes_out_in_batches(
    app: Any, alice: Actor, bob: Actor, carol: Actor, make_actor: Any
) -> None:
    followers = [alice, carol, *[await make_actor(f"fan{n}") for n in range(3)]]
    for follower in followers:
        await relate(follower, bob, "follow")
        await home_ids(follower)
    status = await post(bob, "to five followers, two per batch")

    await settle()

    for follower in followers:
        stored = await _engine(app).store.read(int(follower.id))
        assert stored is not None and int(status["id"]) in stored.ids


async def test_timeline_is_trimmed_to_the_cap_and_paging_continues_from_the_database(
    app: Any, db: Database, alice: Actor, bob: Actor
) -> None:
    await relate(alice, bob, "follow")
    await home_ids(alice)
    for number in range(30):
        await post(bob if number % 3 else alice, f"status {number}")
    await settle()

    stored = await _engine(app).store.read(int(alice.id))
    expected = await reference(db, alice)

    assert stored is not None
    assert len(stored.ids) <= 10 + 1  # cap plus slack
    assert stored.floor > 0
    assert len(expected) == 30
    assert await walk_down(alice, 7) == expected
    assert await walk_up(alice, 7) == expected
    # A page straddling the floor: part from the store, part from the database.
    straddle = (await alice.get(HOME, params={"limit": 15})).json()
    assert [s["id"] for s in straddle] == expected[:15]


async def test_reblog_of_a_status_near_the_top_is_not_inserted_twice(
    app: Any, db: Database, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    await relate(alice, carol, "follow")
    await home_ids(alice)
    original = await post(bob, "popular")
    await settle()
    near = await reblog(carol, original)  # the original is among alice's newest 5: skipped
    await settle()
    for number in range(6):
        await post(bob, f"pushing it down {number}")
    await settle()
    far = await reblog(alice, await post(carol, "carol's"))  # own reblogs always land
    await relate(bob, carol, "follow")
    await home_ids(bob)
    late = await reblog(carol, original)  # not in bob's home: lands (already reblogged: same)

    ids = await home_ids(alice)

    assert original["id"] in ids
    assert near["id"] not in ids
    assert far["id"] in ids
    assert near["id"] in await reference(db, alice)  # the database query has no fall-off
    assert late["id"] == near["id"]


async def test_inactive_followers_are_skipped_then_rebuilt_when_they_return(
    app: Any, db: Database, alice: Actor, bob: Actor
) -> None:
    await relate(alice, bob, "follow")
    await home_ids(alice)
    long_ago = utcnow() - timedelta(days=app.state.roost.settings.active_days + 1)
    async with db.write() as conn:
        await conn.execute(
            update(accounts).where(accounts.c.id == int(alice.id)).values(last_active_at=long_ago)
        )
    token_cache.forget(db, alice.token)  # as if the process had not seen her for days
    status = await post(bob, "while alice was away")
    await settle()

    stored = await _engine(app).store.read(int(alice.id))
    assert stored is not None and int(status["id"]) not in stored.ids  # skipped

    ids = await home_ids(alice)  # she is back: her timeline is rebuilt before it is read

    assert ids == [status["id"]]
    rebuilt = await _engine(app).store.read(int(alice.id))
    assert rebuilt is not None and int(status["id"]) in rebuilt.ids


async def test_pull_authors_are_merged_in_when_reading(
    app: Any, db: Database, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    await relate(carol, bob, "follow")  # bob has 2 followers > threshold 1: pulled
    await home_ids(alice)
    status = await post(bob, "too famous to fan out")
    await settle()

    stored = await _engine(app).store.read(int(alice.id))
    ids = await home_ids(alice)

    assert stored is not None and int(status["id"]) not in stored.ids
    assert ids == [status["id"]] == await reference(db, alice)
    assert await home_ids(carol) == [status["id"]]


async def test_deleted_status_leaves_every_timeline(
    app: Any, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    await relate(carol, bob, "follow")
    status = await post(bob, "regrettable")
    for reader in (alice, bob, carol):
        assert status["id"] in await home_ids(reader)

    assert (await bob.delete(f"/api/v1/statuses/{status['id']}")).status_code == 200
    await settle()

    for reader in (alice, bob, carol):
        stored = await _engine(app).store.read(int(reader.id))
        assert stored is not None and int(status["id"]) not in stored.ids
        assert status["id"] not in await home_ids(reader)


async def test_counters_in_home_follow_favourites_at_once(alice: Actor, bob: Actor) -> None:
    await relate(alice, bob, "follow")
    status = await post(bob, "like me")
    assert (await home_ids(alice)) == [status["id"]]  # cached now

    await alice.post(f"/api/v1/statuses/{status['id']}/favourite")
    page = (await alice.get(HOME)).json()  # no drain: the inline listener invalidated it

    assert page[0]["favourites_count"] == 1
    assert page[0]["favourited"] is True


async def test_flushed_store_is_rebuilt_not_served_empty(
    app: Any, db: Database, settings: Settings, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    await relate(alice, carol, "follow")
    for number in range(6):
        await post([alice, bob, carol][number % 3], f"before the flush {number}")
    expected = await reference(db, alice)
    assert await home_ids(alice) == expected

    if settings.redis_url:
        await _delete_redis_prefix(settings)  # every key of this instance: timelines, caches
    else:
        async with db.write() as conn:
            await conn.execute(home_feed_entries.delete())
            await conn.execute(home_feeds.delete())

    assert (await alice.get(HOME)).json() and await home_ids(alice) == expected
    assert await walk_down(alice, 4) == expected


async def test_home_page_costs_fixed_database_and_redis_round_trips(
    app: Any, db: Database, alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    for number in range(25):
        status = await post(bob, f"@carol status {number} #counted")
        if number % 4 == 0:
            await reblog(alice, status)

    short = await _round_trips(app, db, alice, limit=2)
    long = await _round_trips(app, db, alice, limit=30)

    assert short == long
    database, redis = long
    if app.state.roost.redis is not None:
        assert database == 0  # flags come with the timeline (viewer_flags), tokens are cached
        assert redis == 2  # the timeline with the relationships and flags, then the statuses
    else:
        assert database == 1  # the timeline (embedded store); flags from the process cache
        assert redis == 0


async def _round_trips(app: Any, db: Database, reader: Actor, *, limit: int) -> tuple[int, int]:
    """(database statements, Redis round trips) of one warm home read."""
    await settle()
    await reader.get(HOME, params={"limit": limit})  # warm: rebuild, caches
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    redis = app.state.roost.redis
    trips = [0]
    if redis is not None:
        original = redis.connection_pool

        class Counting(original.connection_class):  # type: ignore[misc, name-defined]
            async def send_packed_command(self, *args: Any, **kwargs: Any) -> None:
                trips[0] += 1
                await super().send_packed_command(*args, **kwargs)

        # A pool of counting connections for this one request (a real server, no mocks).
        redis.connection_pool = ConnectionPool(
            connection_class=Counting, **original.connection_kwargs
        )
        await redis.ping()  # connect first: the handshake is not the request's cost
        trips[0] = 0
    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        response = await reader.get(HOME, params={"limit": limit})
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        if redis is not None:
            await redis.connection_pool.disconnect()
            redis.connection_pool = original
    assert len(response.json()) == limit
    selects = [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    return len(selects), trips[0]

"""The timeline store's delivery rules, on both adapters (the Redis store on the
PostgreSQL + Redis deployment, the SQL store embedded): exact idempotency in and out of
order, the floor, trimming, reblog fall-off; and, in Redis, the packed string staying
in ascending id order whichever writer touched it last (the delivery fast path relies
on it)."""

from __future__ import annotations

from struct import unpack_from
from typing import Any

from roost.timelines.redis_store import RedisTimelineStore
from roost.timelines.sqlite_store import SqlTimelineStore
from roost.timelines.store import Delivery, TimelineStore, Window

ACCOUNT = 4242


def make_store(app: Any, *, cap: int = 800, falloff: int = 40) -> TimelineStore:
    state = app.state.roost
    if state.redis is not None:
        return RedisTimelineStore(
            state.redis, state.keys, cap=cap, falloff=falloff, ttl_seconds=600
        )
    return SqlTimelineStore(state.db, cap=cap, falloff=falloff)


async def stored_order(app: Any, account_id: int = ACCOUNT) -> list[int] | None:
    """The ids exactly as the Redis string holds them (None on the embedded store)."""
    state = app.state.roost
    if state.redis is None:
        return None
    raw = await state.redis.get(state.keys.home(account_id))
    return list(unpack_from(f">{(len(raw) - 8) // 8}Q", raw, 8))


async def assert_ascending_without_duplicates(app: Any) -> None:
    order = await stored_order(app)
    if order is not None:
        assert order == sorted(set(order))


async def test_redelivered_ids_are_stored_once_in_and_out_of_order(app: Any) -> None:
    store = make_store(app)
    await store.replace(ACCOUNT, Window(ids=[30, 20, 10]), keep_after=0)

    taken = [
        await store.deliver(Delivery(40), [ACCOUNT]),  # newest: appended
        await store.deliver(Delivery(40), [ACCOUNT]),  # the newest again
        await store.deliver(Delivery(25), [ACCOUNT]),  # late: inserted in order
        await store.deliver(Delivery(25), [ACCOUNT]),  # out-of-order redelivery
        await store.deliver(Delivery(10), [ACCOUNT]),  # the oldest again
        await store.deliver(Delivery(5), [ACCOUNT]),  # older than all, above the floor
        await store.deliver(Delivery(5), [ACCOUNT]),
    ]

    assert taken == [1, 0, 1, 0, 0, 1, 0]
    window = await store.read(ACCOUNT)
    assert window is not None
    assert window.ids == [40, 30, 25, 20, 10, 5]
    await assert_ascending_without_duplicates(app)


async def test_one_call_delivers_once_to_each_timeline_of_a_batch(app: Any) -> None:
    store = make_store(app)
    accounts = [ACCOUNT, ACCOUNT + 1, ACCOUNT + 2]
    await store.replace(ACCOUNT, Window(ids=[50]), keep_after=0)
    await store.replace(ACCOUNT + 1, Window(ids=[70, 50]), keep_after=0)  # already has 70

    assert await store.deliver(Delivery(70), accounts) == 1  # ACCOUNT + 2 is missing: dropped
    assert await store.deliver(Delivery(70), accounts) == 0
    assert await store.read(ACCOUNT + 2) is None
    for account_id in accounts[:2]:
        window = await store.read(account_id)
        assert window is not None
        assert window.ids == [70, 50]


async def test_a_delivery_at_or_below_the_floor_is_not_stored(app: Any) -> None:
    store = make_store(app)
    await store.replace(ACCOUNT, Window(ids=[90, 80], floor=60), keep_after=0)

    assert await store.deliver(Delivery(60), [ACCOUNT]) == 0
    assert await store.deliver(Delivery(55), [ACCOUNT]) == 0
    assert await store.deliver(Delivery(70), [ACCOUNT]) == 1

    window = await store.read(ACCOUNT)
    assert window == Window(ids=[90, 80, 70], floor=60)
    await assert_ascending_without_duplicates(app)


async def test_trimming_keeps_the_newest_cap_ids_whatever_their_arrival_order(app: Any) -> None:
    store = make_store(app, cap=10)  # trimmed once past 11 entries
    await store.replace(ACCOUNT, Window(ids=[]), keep_after=0)
    arrivals = [100, 40, 120, 10, 90, 30, 110, 20, 80, 60, 70, 50, 130, 5]
    for status_id in arrivals:
        await store.deliver(Delivery(status_id), [ACCOUNT])
        await store.deliver(Delivery(status_id), [ACCOUNT])  # a redelivery each time

    window = await store.read(ACCOUNT)
    assert window is not None
    kept = sorted((i for i in arrivals if i > window.floor), reverse=True)
    assert window.ids == kept
    assert len(kept) <= 11
    # Nothing kept is older than anything dropped: the floor is the largest one dropped.
    assert window.floor == max(i for i in arrivals if i not in kept)
    await assert_ascending_without_duplicates(app)


async def test_reblog_falls_off_only_when_its_original_is_among_the_newest(app: Any) -> None:
    store = make_store(app, falloff=3)
    await store.replace(ACCOUNT, Window(ids=[60, 50, 40, 30, 20]), keep_after=0)

    near = await store.deliver(Delivery(70, reblog_of_id=50), [ACCOUNT])  # 50 in newest 3
    far = await store.deliver(Delivery(71, reblog_of_id=20), [ACCOUNT])  # 20 is not
    absent = await store.deliver(Delivery(72, reblog_of_id=15), [ACCOUNT])  # not stored

    assert (near, far, absent) == (0, 1, 1)
    window = await store.read(ACCOUNT)
    assert window is not None
    assert window.ids == [72, 71, 60, 50, 40, 30, 20]


async def test_backfill_rebuild_and_removal_keep_the_ids_in_order(app: Any) -> None:
    store = make_store(app)
    await store.replace(ACCOUNT, Window(ids=[100, 80, 60]), keep_after=0)
    await store.deliver(Delivery(120), [ACCOUNT])

    await store.merge(ACCOUNT, [110, 90, 70, 130])  # a follow's backfill, interleaved
    await assert_ascending_without_duplicates(app)
    await store.remove([90, 120], [ACCOUNT])
    await assert_ascending_without_duplicates(app)
    await store.deliver(Delivery(95), [ACCOUNT])  # between entries: inserted in place
    await store.deliver(Delivery(140), [ACCOUNT])  # newest: appended
    await store.deliver(Delivery(110), [ACCOUNT])  # present: nothing
    await store.replace(ACCOUNT, Window(ids=[150, 135, 125]), keep_after=130)
    await assert_ascending_without_duplicates(app)

    window = await store.read(ACCOUNT)
    assert window is not None
    assert window.ids == [150, 140, 135, 125]
    assert await stored_order(app) in (None, [125, 135, 140, 150])

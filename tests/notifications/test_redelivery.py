"""Delivery is at least once: a redelivered event creates nothing and announces nothing;
every notification created or removed is announced once to the follow-up consumers."""

from __future__ import annotations

from typing import Any

from roost.events.outbox import Event
from roost.ids import new_id
from roost.notifications import tasks
from roost.workers.bus import worker_context
from roost.workers.context import WorkerContext
from roost.workers.registry import Registry
from tests.conftest import Actor
from tests.notifications.helpers import act, kinds, notifications, post


def _recording_registry(seen: list[tuple[str, dict[str, Any]]]) -> Registry:
    """The real notification handlers plus a consumer of their follow-up jobs."""
    registry = Registry()
    for kinds_, fn in [
        (("follow.created",), tasks.notify_follow),
        (("follow.deleted",), tasks.retract_follow),
        (("follow_request.created",), tasks.notify_follow_request),
        (("favourite.created",), tasks.notify_favourite),
        (("favourite.deleted",), tasks.retract_favourite),
        (("status.created",), tasks.notify_status),
        (("status.deleted",), tasks.retract_status),
    ]:
        registry.add(tasks.QUEUE, kinds_, fn)

    async def record(event: Event, ctx: WorkerContext) -> None:
        seen.append((event.kind, event.payload))

    registry.add("listener", (tasks.CREATED, tasks.DELETED), record)
    return registry


def _ctx(app: Any) -> WorkerContext:
    state = app.state.roost
    return worker_context(settings=state.settings, db=state.db, redis=state.redis, keys=state.keys)


async def test_redelivered_events_create_nothing_more(
    app: Any, alice: Actor, bob: Actor, drain: Any
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    registry = _recording_registry(seen)
    status = await post(alice, "hello")
    await act(bob, f"/api/v1/accounts/{alice.id}/follow")
    await act(bob, f"/api/v1/statuses/{status['id']}/favourite")
    await act(bob, f"/api/v1/statuses/{status['id']}/reblog")
    mention = await post(bob, "@alice hi")
    await drain(registry=registry)
    before = await notifications(alice)
    assert sorted(item["type"] for item in before) == ["favourite", "follow", "mention", "reblog"]
    created = [payload for kind, payload in seen if kind == tasks.CREATED]
    assert sorted(p["notification_id"] for p in created) == sorted(int(i["id"]) for i in before)
    assert {p["account_id"] for p in created} == {int(alice.id)}

    # Every event delivered again, straight to the handlers (twice for good measure).
    ctx = _ctx(app)
    pair = {"account_id": int(bob.id), "target_account_id": int(alice.id)}
    fav = {"account_id": int(bob.id), "status_id": int(status["id"])}
    for _ in range(2):
        await tasks.notify_follow(Event(new_id(), "follow.created", pair), ctx)
        await tasks.notify_favourite(Event(new_id(), "favourite.created", fav), ctx)
        await tasks.notify_status(
            Event(new_id(), "status.created", {"status_id": int(mention["id"])}), ctx
        )
    seen.clear()
    await drain(registry=registry)
    assert seen == []
    assert await notifications(alice) == before


async def test_undo_is_announced_and_a_late_creation_event_does_not_resurrect(
    app: Any, alice: Actor, bob: Actor, drain: Any
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    registry = _recording_registry(seen)
    status = await post(alice, "hello")
    await act(bob, f"/api/v1/statuses/{status['id']}/favourite")
    await drain(registry=registry)
    (notification,) = await notifications(alice)
    await act(bob, f"/api/v1/statuses/{status['id']}/unfavourite")
    seen.clear()
    await drain(registry=registry)
    assert seen == [
        (
            tasks.DELETED,
            {"notification_id": int(notification["id"]), "account_id": int(alice.id)},
        )
    ]
    # The favourite's creation event arriving late (out of order) finds no favourite.
    fav = {"account_id": int(bob.id), "status_id": int(status["id"])}
    await tasks.notify_favourite(Event(new_id(), "favourite.created", fav), _ctx(app))
    assert await kinds(alice) == []


async def test_dismissing_announces_the_removal(alice: Actor, bob: Actor, drain: Any) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    registry = _recording_registry(seen)
    await act(bob, f"/api/v1/accounts/{alice.id}/follow")
    await drain(registry=registry)
    (notification,) = await notifications(alice)
    seen.clear()
    response = await alice.post(f"/api/v1/notifications/{notification['id']}/dismiss")
    assert response.status_code == 200
    await drain(registry=registry)
    assert seen == [
        (
            tasks.DELETED,
            {"notification_id": int(notification["id"]), "account_id": int(alice.id)},
        )
    ]

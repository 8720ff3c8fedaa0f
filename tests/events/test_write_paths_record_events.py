"""Every write that others must hear about records its event in the same transaction."""

from __future__ import annotations

from typing import Any

import pytest

from roost.events.outbox import record_event
from tests.events.support import bus_events, kinds, outbox_rows


async def _events_after(app: Any, before: int) -> list[Any]:
    return (await bus_events(app))[before:]


async def test_posting_records_status_created_with_its_reply_context(app, alice, bob):
    parent = (await alice.post("/api/v1/statuses", json={"status": "first"})).json()
    before = len(await bus_events(app))
    reply = (
        await bob.post(
            "/api/v1/statuses",
            json={"status": "@alice hi", "in_reply_to_id": parent["id"], "visibility": "unlisted"},
        )
    ).json()
    [event] = await _events_after(app, before)
    assert event.kind == "status.created"
    assert event.payload == {
        "status_id": int(reply["id"]),
        "account_id": int(bob.id),
        "reblog_of_id": None,
        "in_reply_to_id": int(parent["id"]),
        "in_reply_to_account_id": int(alice.id),
        "visibility": "unlisted",
    }


async def test_idempotent_retry_of_a_post_records_no_second_event(app, alice):
    headers = {**alice.auth, "Idempotency-Key": "once"}
    await alice.http.post("/api/v1/statuses", json={"status": "hello"}, headers=headers)
    before = len(await bus_events(app))
    await alice.http.post("/api/v1/statuses", json={"status": "hello"}, headers=headers)
    assert await _events_after(app, before) == []


async def test_reblog_and_unreblog_record_created_and_deleted(app, alice, bob):
    status = (await alice.post("/api/v1/statuses", json={"status": "share me"})).json()
    before = len(await bus_events(app))
    reblog = (await bob.post(f"/api/v1/statuses/{status['id']}/reblog")).json()
    await bob.post(f"/api/v1/statuses/{status['id']}/reblog")  # again: no new event
    await bob.post(f"/api/v1/statuses/{status['id']}/unreblog")
    created, deleted = await _events_after(app, before)
    assert created.kind == "status.created"
    assert created.payload["status_id"] == int(reblog["id"])
    assert created.payload["reblog_of_id"] == int(status["id"])
    assert deleted.kind == "status.deleted"
    assert deleted.payload == {
        "status_id": int(reblog["id"]),
        "account_id": int(bob.id),
        "reblog_of_id": int(status["id"]),
    }


async def test_deleting_a_status_records_one_event_per_row_gone_reblogs_included(
    app, alice, bob, carol
):
    status = (await alice.post("/api/v1/statuses", json={"status": "soon gone"})).json()
    reblog = (await bob.post(f"/api/v1/statuses/{status['id']}/reblog")).json()
    before = len(await bus_events(app))
    assert (await alice.delete(f"/api/v1/statuses/{status['id']}")).status_code == 200
    events = await _events_after(app, before)
    assert {(e.kind, e.payload["status_id"], e.payload["reblog_of_id"]) for e in events} == {
        ("status.deleted", int(status["id"]), None),
        ("status.deleted", int(reblog["id"]), int(status["id"])),
    }


async def test_favourite_and_unfavourite_record_events_only_when_something_changed(app, alice, bob):
    status = (await alice.post("/api/v1/statuses", json={"status": "like me"})).json()
    before = len(await bus_events(app))
    for path in ("favourite", "favourite", "unfavourite", "unfavourite"):
        await bob.post(f"/api/v1/statuses/{status['id']}/{path}")
    events = await _events_after(app, before)
    payload = {"account_id": int(bob.id), "status_id": int(status["id"])}
    assert [(e.kind, e.payload) for e in events] == [
        ("favourite.created", payload),
        ("favourite.deleted", payload),
    ]


async def test_graph_changes_record_their_events(app, alice, bob):
    before = len(await bus_events(app))
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")  # already following: nothing new
    await alice.post(f"/api/v1/accounts/{bob.id}/unfollow")
    await alice.post(f"/api/v1/accounts/{bob.id}/mute")
    await alice.post(f"/api/v1/accounts/{bob.id}/unmute")
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    await alice.post(f"/api/v1/accounts/{bob.id}/block")  # ends bob's follow of alice
    await alice.post(f"/api/v1/accounts/{bob.id}/unblock")
    events = await _events_after(app, before)
    a, b = int(alice.id), int(bob.id)
    assert [(e.kind, e.payload["account_id"], e.payload["target_account_id"]) for e in events] == [
        ("follow.created", a, b),
        ("follow.deleted", a, b),
        ("mute.created", a, b),
        ("mute.deleted", a, b),
        ("follow.created", b, a),
        ("block.created", a, b),
        ("follow.deleted", b, a),
        ("block.deleted", a, b),
    ]


async def test_follow_request_and_its_authorization_record_events(app, alice, bob):
    await bob.patch("/api/v1/accounts/update_credentials", json={"locked": True})
    before = len(await bus_events(app))
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    await bob.post(f"/api/v1/follow_requests/{alice.id}/authorize")
    events = await _events_after(app, before)
    a, b = int(alice.id), int(bob.id)
    assert [(e.kind, e.payload) for e in events] == [
        ("follow_request.created", {"account_id": a, "target_account_id": b}),
        ("follow.created", {"account_id": a, "target_account_id": b}),
    ]


async def test_a_refused_write_records_nothing(app, alice, bob):
    await alice.post(f"/api/v1/accounts/{bob.id}/block")
    before = len(await bus_events(app))
    assert (await bob.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 403
    reply = await bob.post("/api/v1/statuses", json={"status": "x", "in_reply_to_id": "1"})
    assert reply.status_code == 422
    assert await _events_after(app, before) == []


async def test_an_event_rolls_back_with_its_transaction(app, db):
    before = len(await bus_events(app))
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await record_event(conn, kind="status.created", payload={"status_id": 1})
            raise RuntimeError("the change failed")
    assert await _events_after(app, before) == []
    assert await outbox_rows(app) == []
    # The next, unrelated transaction on the same pooled connection publishes nothing stale.
    async with db.write() as conn:
        await record_event(conn, kind="mute.created", payload={"account_id": 1})
    assert kinds(await _events_after(app, before)) == ["mute.created"]


async def test_scaled_out_publish_empties_the_outbox_at_once(app, alice):
    await alice.post("/api/v1/statuses", json={"status": "published"})
    if app.state.roost.redis is None:
        assert kinds(await bus_events(app)) == ["status.created"]  # embedded: it waits there
    else:
        assert await outbox_rows(app) == []
        assert kinds(await bus_events(app)) == ["status.created"]

"""Workers turn events into notifications: every type, the suppression rules, undo."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from roost.accounts.schema import accounts
from roost.db import Database
from roost.notifications.schema import notifications as notifications_table
from tests.conftest import Actor
from tests.notifications.helpers import act, kinds, notifications, post


async def _lock(db: Database, actor: Actor) -> None:
    async with db.write() as conn:
        await conn.execute(
            update(accounts).where(accounts.c.id == int(actor.id)).values(locked=True)
        )


async def stored(db: Database, actor: Actor) -> int:
    """Rows in the notifications table for the actor (hidden ones included)."""
    query = select(func.count()).where(notifications_table.c.account_id == int(actor.id))
    async with db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_follow_notifies_the_followed_account(alice: Actor, bob: Actor, drain: Any) -> None:
    await act(bob, f"/api/v1/accounts/{alice.id}/follow")
    assert await kinds(alice) == []  # created by a worker, not by the request
    await drain()
    items = await notifications(alice)
    assert [(i["type"], i["account"]["id"]) for i in items] == [("follow", bob.id)]
    assert "status" not in items[0]
    assert items[0]["created_at"].endswith("Z")
    assert await kinds(bob) == []


async def test_unfollow_takes_the_follow_notification_back(
    alice: Actor, bob: Actor, drain: Any
) -> None:
    await act(bob, f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    await act(bob, f"/api/v1/accounts/{alice.id}/unfollow")
    await drain()
    assert await kinds(alice) == []


async def test_follow_request_notifies_and_authorizing_retires_it(
    alice: Actor, bob: Actor, db: Database, drain: Any
) -> None:
    await _lock(db, alice)
    await act(bob, f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    assert await kinds(alice) == [("follow_request", "bob", None)]
    await act(alice, f"/api/v1/follow_requests/{bob.id}/authorize")
    await drain()
    assert await kinds(alice) == []


async def test_favourite_notifies_the_author_and_unfavourite_undoes_it(
    alice: Actor, bob: Actor, drain: Any
) -> None:
    status = await post(alice, "hello")
    await act(bob, f"/api/v1/statuses/{status['id']}/favourite")
    await drain()
    items = await notifications(alice)
    assert [(i["type"], i["account"]["username"]) for i in items] == [("favourite", "bob")]
    assert items[0]["status"]["id"] == status["id"]
    assert items[0]["status"]["content"] == "<p>hello</p>"
    await act(bob, f"/api/v1/statuses/{status['id']}/unfavourite")
    await drain()
    assert await kinds(alice) == []


async def test_own_favourite_and_reblog_notify_nobody(alice: Actor, drain: Any) -> None:
    status = await post(alice, "mine")
    await act(alice, f"/api/v1/statuses/{status['id']}/favourite")
    await act(alice, f"/api/v1/statuses/{status['id']}/reblog")
    await post(alice, "@alice talking to myself", in_reply_to_id=status["id"])
    await drain()
    assert await kinds(alice) == []


async def test_reblog_notifies_the_original_author_with_the_original(
    alice: Actor, bob: Actor, drain: Any
) -> None:
    status = await post(alice, "share me")
    await act(bob, f"/api/v1/statuses/{status['id']}/reblog")
    await drain()
    assert await kinds(alice) == [("reblog", "bob", status["id"])]
    await act(bob, f"/api/v1/statuses/{status['id']}/unreblog")
    await drain()
    assert await kinds(alice) == []


async def test_mentions_notify_each_mentioned_account_replies_included(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    first = await post(alice, "hi @bob and @carol", visibility="direct")
    reply = await post(bob, "@alice hello back", in_reply_to_id=first["id"])
    await drain()
    assert await kinds(bob) == [("mention", "alice", first["id"])]
    assert await kinds(carol) == [("mention", "alice", first["id"])]
    assert await kinds(alice) == [("mention", "bob", reply["id"])]


async def test_status_notifies_followers_who_asked_for_it(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    await act(bob, f"/api/v1/accounts/{alice.id}/follow", notify=True)
    await act(carol, f"/api/v1/accounts/{alice.id}/follow")  # not asking
    await drain()
    status = await post(alice, "news")
    other = await post(carol, "someone else")
    await post(alice, "a reply to carol", in_reply_to_id=other["id"])  # replies to others: no
    await post(alice, "a secret", visibility="direct")  # direct: no
    await drain()
    assert await kinds(bob, **{"types[]": "status"}) == [("status", "alice", status["id"])]
    assert [k for k in await kinds(carol) if k[0] == "status"] == []


async def test_deleting_a_status_removes_its_notifications_and_its_reblogs(
    alice: Actor, bob: Actor, carol: Actor, db: Database, drain: Any
) -> None:
    status = await post(alice, "soon gone")
    await act(bob, f"/api/v1/statuses/{status['id']}/favourite")
    await act(carol, f"/api/v1/statuses/{status['id']}/reblog")
    mention = await post(bob, "@carol look")
    await drain()
    assert len(await kinds(alice)) == 2
    response = await alice.delete(f"/api/v1/statuses/{status['id']}")
    assert response.status_code == 200
    # Hidden at once, before any worker ran; removed from the table by the worker.
    assert await kinds(alice) == []
    assert await stored(db, alice) == 2
    await drain()
    assert await kinds(alice) == []
    response = await bob.delete(f"/api/v1/statuses/{mention['id']}")
    await drain()
    assert [k for k in await kinds(carol) if k[0] == "mention"] == []
    assert await stored(db, alice) == 0
    assert await stored(db, carol) == 0


async def test_blocked_accounts_cannot_notify_either_way(
    alice: Actor, bob: Actor, carol: Actor, make_actor: Any, drain: Any
) -> None:
    status = await post(alice, "hello")
    await act(alice, f"/api/v1/accounts/{bob.id}/block")
    await act(carol, f"/api/v1/accounts/{alice.id}/block")
    # bob is blocked by alice; alice is blocked by carol: neither may notify the other side.
    await post(bob, "@alice hey")
    await post(alice, "@carol hey")
    # A favourite made before the block, whose event the worker sees after it.
    dave = await make_actor("dave")
    await act(dave, f"/api/v1/statuses/{status['id']}/favourite")
    await act(alice, f"/api/v1/accounts/{dave.id}/block")
    await drain()
    assert await kinds(alice) == []
    assert await kinds(carol) == []


async def test_muted_accounts_do_not_notify_unless_the_mute_keeps_notifications(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    await act(alice, f"/api/v1/accounts/{bob.id}/mute")
    await act(alice, f"/api/v1/accounts/{carol.id}/mute", notifications=False)
    await post(bob, "@alice muted")
    loud = await post(carol, "@alice still heard")
    await act(bob, f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    assert await kinds(alice) == [("mention", "carol", loud["id"])]

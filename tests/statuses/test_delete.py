"""DELETE /api/v1/statuses/:id: only the author, source text back, counters undone once."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from roost.db import Database
from roost.statuses.schema import favourites, mentions, status_tags, statuses
from tests.conftest import Actor
from tests.statuses.support import act, post, status_counters, status_exists, statuses_count


async def _read_only_token(make_actor: Any) -> str:
    reader: Actor = await make_actor("reader", scopes="read")
    return reader.token


async def _rows(db: Database, table: object, column: object, value: int) -> int:
    async with db.read() as conn:
        query = select(func.count()).select_from(table).where(column == value)  # type: ignore[arg-type]
        count: int = (await conn.execute(query)).scalar_one()
    return count


async def test_author_deletes_and_gets_the_source_text(alice: Actor, db: Database) -> None:
    status = await post(alice, "<b>bold</b> #tag @alice")
    response = await alice.delete(f"/api/v1/statuses/{status['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == status["id"]
    assert body["text"] == "<b>bold</b> #tag @alice"
    assert body["content"] == status["content"]
    assert not await status_exists(db, status["id"])
    assert (await alice.get(f"/api/v1/statuses/{status['id']}")).status_code == 404
    assert await statuses_count(db, alice) == 0
    assert await _rows(db, mentions, mentions.c.status_id, int(status["id"])) == 0
    assert await _rows(db, status_tags, status_tags.c.status_id, int(status["id"])) == 0


async def test_only_the_author_deletes(alice: Actor, bob: Actor, db: Database) -> None:
    status = await post(alice, "mine")
    response = await bob.delete(f"/api/v1/statuses/{status['id']}")
    assert response.status_code == 404
    assert await status_exists(db, status["id"])
    assert await statuses_count(db, alice) == 1


async def test_deleting_twice_changes_counters_once(alice: Actor, db: Database) -> None:
    await post(alice, "stays")
    status = await post(alice, "goes")
    first = await alice.delete(f"/api/v1/statuses/{status['id']}")
    second = await alice.delete(f"/api/v1/statuses/{status['id']}")
    assert first.status_code == 200 and second.status_code == 404
    assert await statuses_count(db, alice) == 1


async def test_concurrent_deletes_change_counters_once(
    alice: Actor, bob: Actor, db: Database
) -> None:
    parent = await post(bob, "parent")
    status = await post(alice, "goes", in_reply_to_id=parent["id"])
    await act(bob, status["id"], "reblog")
    responses = await asyncio.gather(
        *(alice.delete(f"/api/v1/statuses/{status['id']}") for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [200, 404, 404]
    assert await statuses_count(db, alice) == 0
    assert await statuses_count(db, bob) == 1
    assert (await status_counters(db, parent["id"]))["replies"] == 0


async def test_delete_removes_reblogs_and_favourites_and_fixes_counters(
    alice: Actor, bob: Actor, carol: Actor, db: Database
) -> None:
    parent = await post(carol, "parent")
    status = await post(alice, "popular", in_reply_to_id=parent["id"])
    await act(bob, status["id"], "reblog")
    await act(carol, status["id"], "reblog")
    await act(bob, status["id"], "favourite")
    assert await statuses_count(db, bob) == 1
    assert await statuses_count(db, carol) == 2
    assert (await status_counters(db, parent["id"]))["replies"] == 1

    assert (await alice.delete(f"/api/v1/statuses/{status['id']}")).status_code == 200

    assert await statuses_count(db, alice) == 0
    assert await statuses_count(db, bob) == 0
    assert await statuses_count(db, carol) == 1
    assert (await status_counters(db, parent["id"]))["replies"] == 0
    assert await _rows(db, statuses, statuses.c.reblog_of_id, int(status["id"])) == 0
    assert await _rows(db, favourites, favourites.c.status_id, int(status["id"])) == 0


async def test_deleting_a_reblog_by_id_undoes_the_reblog(
    alice: Actor, bob: Actor, db: Database
) -> None:
    original = await post(alice, "original")
    wrapper = (await act(bob, original["id"], "reblog")).json()
    response = await bob.delete(f"/api/v1/statuses/{wrapper['id']}")
    assert response.status_code == 200
    assert (await status_counters(db, original["id"]))["reblogs"] == 0
    assert await statuses_count(db, bob) == 0
    assert await status_exists(db, original["id"])


async def test_replies_survive_their_deleted_parent(alice: Actor, bob: Actor) -> None:
    parent = await post(alice, "parent")
    reply = await post(bob, "reply", in_reply_to_id=parent["id"])
    await alice.delete(f"/api/v1/statuses/{parent['id']}")
    shown = await bob.get(f"/api/v1/statuses/{reply['id']}")
    assert shown.status_code == 200
    assert shown.json()["in_reply_to_id"] == parent["id"]
    context = (await bob.get(f"/api/v1/statuses/{reply['id']}/context")).json()
    assert context["ancestors"] == []


async def test_delete_needs_write_scope(alice: Actor, make_actor: Any, db: Database) -> None:
    status = await post(alice, "safe")
    read_only = Actor("alice", alice.id, await _read_only_token(make_actor), alice.http)
    response = await read_only.delete(f"/api/v1/statuses/{status['id']}")
    assert response.status_code == 403
    assert await status_exists(db, status["id"])

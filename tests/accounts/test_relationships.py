"""GET /api/v1/accounts/relationships: many accounts at once, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from roost.db import Database
from tests.accounts.graph_support import set_account
from tests.conftest import Actor


@contextmanager
def count_queries(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_relationships_for_several_accounts(
    db: Database, make_actor: Any, alice: Actor, bob: Actor, carol: Actor
) -> None:
    dave: Actor = await make_actor("dave")
    erin: Actor = await make_actor("erin")
    await set_account(db, erin, locked=True)
    await alice.post(f"/api/v1/accounts/{bob.id}/follow", data={"notify": "true"})
    await carol.post(f"/api/v1/accounts/{alice.id}/follow")
    await alice.post(f"/api/v1/accounts/{dave.id}/mute", data={"notifications": "false"})
    await dave.post(f"/api/v1/accounts/{alice.id}/block")
    await alice.post(f"/api/v1/accounts/{erin.id}/follow")

    response = await alice.get(
        "/api/v1/accounts/relationships",
        params=[("id[]", bob.id), ("id[]", carol.id), ("id[]", dave.id), ("id", erin.id)],
    )
    assert response.status_code == 200
    by_id = {rel["id"]: rel for rel in response.json()}
    assert [rel["id"] for rel in response.json()] == [bob.id, carol.id, dave.id, erin.id]

    assert by_id[bob.id]["following"] is True and by_id[bob.id]["notifying"] is True
    assert by_id[bob.id]["followed_by"] is False
    assert by_id[carol.id]["followed_by"] is True and by_id[carol.id]["following"] is False
    assert by_id[dave.id]["muting"] is True and by_id[dave.id]["muting_notifications"] is False
    assert by_id[dave.id]["blocked_by"] is True and by_id[dave.id]["blocking"] is False
    assert by_id[erin.id]["requested"] is True and by_id[erin.id]["following"] is False
    for rel in by_id.values():
        assert set(rel) == {
            "id", "following", "showing_reblogs", "notifying", "languages", "followed_by",
            "blocking", "blocked_by", "muting", "muting_notifications", "requested",
            "requested_by", "domain_blocking", "endorsed", "note",
        }  # fmt: skip
        assert rel["domain_blocking"] is False and rel["endorsed"] is False
        assert rel["note"] == ""


async def test_unknown_duplicate_and_malformed_ids_are_skipped(alice: Actor, bob: Actor) -> None:
    missing = str(int(bob.id) + 9)
    response = await alice.get(
        "/api/v1/accounts/relationships",
        params=[("id[]", bob.id), ("id[]", missing), ("id[]", "abc"), ("id[]", bob.id)],
    )
    assert response.status_code == 200
    assert [rel["id"] for rel in response.json()] == [bob.id]
    empty = await alice.get("/api/v1/accounts/relationships")
    assert empty.status_code == 200 and empty.json() == []


async def test_relationships_take_the_same_number_of_queries_for_many_ids(
    db: Database, make_actor: Any, alice: Actor
) -> None:
    others = [await make_actor(f"other{i}") for i in range(8)]
    for other in others[:4]:
        await alice.post(f"/api/v1/accounts/{other.id}/follow")
        await other.post(f"/api/v1/accounts/{alice.id}/follow")
    for other in others[4:6]:
        await alice.post(f"/api/v1/accounts/{other.id}/block")
    await alice.post(f"/api/v1/accounts/{others[7].id}/mute")

    with count_queries(db) as one:
        response = await alice.get("/api/v1/accounts/relationships", params={"id[]": others[0].id})
        assert len(response.json()) == 1
    with count_queries(db) as many:
        response = await alice.get(
            "/api/v1/accounts/relationships", params=[("id[]", o.id) for o in others]
        )
        assert len(response.json()) == 8
    assert len(many) == len(one)


async def test_relationships_need_a_user_token_with_read_follows(
    client: httpx.AsyncClient, make_actor: Any, bob: Actor
) -> None:
    response = await client.get("/api/v1/accounts/relationships", params={"id[]": bob.id})
    assert response.status_code == 401
    no_follows: Actor = await make_actor("statuses_only", scopes="read:statuses")
    response = await no_follows.get("/api/v1/accounts/relationships", params={"id[]": bob.id})
    assert response.status_code == 403
    follows_only: Actor = await make_actor("follows_only", scopes="read:follows")
    response = await follows_only.get("/api/v1/accounts/relationships", params={"id[]": bob.id})
    assert response.status_code == 200


async def test_relationship_with_yourself_is_all_false(alice: Actor) -> None:
    response = await alice.get("/api/v1/accounts/relationships", params={"id[]": alice.id})
    rel = response.json()[0]
    assert rel["id"] == alice.id
    assert not any(value for key, value in rel.items() if key not in {"id", "note", "languages"})

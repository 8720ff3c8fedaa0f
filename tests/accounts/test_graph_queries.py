"""The graph helpers other domains import answer from the same rows the API writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from roost.accounts import graph_queries as graph
from roost.accounts.schema import accounts
from roost.db import Database
from tests.accounts.graph_support import set_account
from tests.conftest import Actor


async def test_block_and_follow_helpers(
    db: Database, make_actor: Any, alice: Actor, bob: Actor, carol: Actor
) -> None:
    dave: Actor = await make_actor("dave")
    a, b, c, d = (int(x.id) for x in (alice, bob, carol, dave))
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    await alice.post(f"/api/v1/accounts/{carol.id}/follow")
    await carol.post(f"/api/v1/accounts/{alice.id}/follow")
    await dave.post(f"/api/v1/accounts/{alice.id}/block")
    await alice.post(f"/api/v1/accounts/{carol.id}/mute")
    await set_account(db, dave, locked=True)
    await bob.post(f"/api/v1/accounts/{dave.id}/follow")

    async with db.read() as conn:
        assert await graph.blocked_either_way(conn, a, d)
        assert await graph.blocked_either_way(conn, d, a)
        assert not await graph.blocked_either_way(conn, a, b)
        assert await graph.is_blocking(conn, d, a) and not await graph.is_blocking(conn, a, d)
        assert await graph.blocked_among(conn, a, [b, c, d]) == {d}
        assert await graph.blocked_among(conn, a, []) == set()
        assert await graph.is_following(conn, a, b) and not await graph.is_following(conn, b, a)
        assert await graph.following_ids(conn, a) == {b, c}
        assert await graph.follower_ids(conn, a) == {c}
        assert await graph.muted_ids(conn, a) == {c}
        assert await graph.excluded_ids(conn, a) == {c, d}
        assert await graph.count_follow_requests(conn, d) == 1
        # The sub-selects embed in other queries.
        followed = select(accounts.c.username).where(
            accounts.c.id.in_(graph.following_ids_select(a)),
            accounts.c.id.not_in(graph.excluded_ids_select(a)),
        )
        assert (await conn.execute(followed)).scalars().all() == ["bob"]

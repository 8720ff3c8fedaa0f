"""The workload generator: a skewed, deterministic network written with exact counters."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import func, select

from roost.accounts.schema import accounts, follows
from roost.bench.graph import DAY_MS, Shape, generate
from roost.bench.seed import write_network
from roost.db import Database
from roost.ids import id_to_ms
from roost.settings import Settings
from roost.statuses.schema import favourites, statuses

NOW_MS = 1_750_000_000_000
SHAPE = Shape(
    users=200, seed=7, statuses_per_user_avg=8, favourites_per_user_avg=5, following_median=10
)


def _fingerprint(shape: Shape) -> tuple[Any, ...]:
    network = generate(shape, now_ms=NOW_MS)
    return (
        [(a.id, a.followers_count, a.statuses_count, a.last_active_ms) for a in network.accounts],
        network.follows,
        [(s.id, s.account, s.reblog_of, s.in_reply_to, s.text) for s in network.statuses],
        network.favourites,
    )


def test_the_same_seed_generates_the_same_network_and_another_seed_does_not() -> None:
    assert _fingerprint(SHAPE) == _fingerprint(SHAPE)
    other = Shape(
        users=200, seed=8, statuses_per_user_avg=8, favourites_per_user_avg=5, following_median=10
    )
    assert _fingerprint(other) != _fingerprint(SHAPE)


def test_history_is_in_time_order_with_ids_minted_from_timestamps() -> None:
    network = generate(SHAPE, now_ms=NOW_MS)
    for status in network.statuses:
        assert id_to_ms(status.id) == status.created_ms
        assert status.created_ms < NOW_MS
        if network.accounts[status.account].active:  # idle accounts stopped posting earlier
            assert NOW_MS - SHAPE.days * DAY_MS <= status.created_ms
        for target in (status.reblog_of, status.in_reply_to):
            if target is not None:
                assert network.statuses[target].created_ms <= status.created_ms
                followed = network.following[status.account]
                assert network.statuses[target].account in followed
    for favourite_id, _, target, ms in network.favourites:
        assert id_to_ms(favourite_id) == ms >= network.statuses[target].created_ms
    ids = [s.id for s in network.statuses] + [a.id for a in network.accounts]
    assert len(set(ids)) == len(ids)


async def _count_by(conn: Any, column: Any, *where: Any) -> dict[int, int]:
    query = select(column, func.count()).where(*where).group_by(column)
    return {key: count for key, count in (await conn.execute(query)).all()}


async def test_seeded_database_has_skewed_graph_exact_counters_and_working_tokens(
    db: Database, settings: Settings, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    network = generate(SHAPE, now_ms=NOW_MS)
    tokens_file = tmp_path / "tokens.txt"
    result = await write_network(
        network, db=db, settings=settings, tokens_file=tokens_file, console=Console(quiet=True)
    )
    assert result.accounts == 200

    async with db.read() as conn:
        rows = (await conn.execute(select(accounts))).mappings().all()
        followers = await _count_by(conn, follows.c.target_account_id)
        following = await _count_by(conn, follows.c.account_id)
        posted = await _count_by(conn, statuses.c.account_id)
        replies = await _count_by(
            conn, statuses.c.in_reply_to_id, statuses.c.visibility.in_(("public", "unlisted"))
        )
        reblogs = await _count_by(conn, statuses.c.reblog_of_id)
        favs = await _count_by(conn, favourites.c.status_id)
        status_rows = (await conn.execute(select(statuses))).mappings().all()

    for row in rows:
        assert row["followers_count"] == followers.get(row["id"], 0)
        assert row["following_count"] == following.get(row["id"], 0)
        assert row["statuses_count"] == posted.get(row["id"], 0)
    for row in status_rows:
        assert row["replies_count"] == replies.get(row["id"], 0)
        assert row["reblogs_count"] == reblogs.get(row["id"], 0)
        assert row["favourites_count"] == favs.get(row["id"], 0)
    assert sum(reblogs.values()) > 0 and sum(replies.values()) > 0 and sum(favs.values()) > 0

    counts = sorted((row["followers_count"] for row in rows), reverse=True)
    assert counts[0] >= 5 * statistics.median(counts)  # a few accounts with very many followers
    assert sum(counts[:10]) >= 0.15 * sum(counts)  # the top 5 % hold 3x their share
    posting = sorted((row["statuses_count"] for row in rows), reverse=True)
    assert posting[0] >= 4 * statistics.median(posting)

    week_ago = NOW_MS - 7 * DAY_MS
    recent = [
        r for r in rows if r["last_active_at"] and r["last_active_at"].timestamp() * 1000 > week_ago
    ]
    assert 0.7 * len(rows) <= len(recent) < len(rows)  # most active, some idle

    lines = [line.split("\t") for line in tokens_file.read_text().splitlines()]
    assert len(lines) == 200
    account_id, username, _active, token = max(
        lines, key=lambda line: following.get(int(line[0]), 0)
    )
    response = await client.get(
        "/api/v1/timelines/home", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert len(response.json()) == 20
    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.json()["username"] == username and me.json()["id"] == account_id

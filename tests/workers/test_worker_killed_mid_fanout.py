"""Fault test: the process fanning a status out to 20,000 followers is SIGKILLed mid-way.

Scaled out: a real ``roost serve --no-workers`` on a fresh PostgreSQL database and a
real ``roost worker``, on the shared Redis under a key prefix of the test's own. The
worker is started only after the status is posted (its group starts at the stream's
beginning, so it still gets the event) and killed as soon as the first follower's
home holds the status, i.e. within the first of 100 batches; the batch jobs it had
read stay pending on its dead consumer name until a new worker's XAUTOCLAIM takes
them over (``claim_idle_ms`` 1.5 s). Embedded: a SQLite ``roost serve`` (workers
in-process) killed the same way; the restarted server drains the outbox once the dead
process's lease on the rows it held runs out (60 s), so that half is ``e2e``.

After recovery, every active follower's home holds the status exactly once, the
inactive followers' homes (present, so a wrong delivery would land) do not, the
outbox is empty and nothing is pending or dead-lettered.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from struct import pack, unpack_from
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import func, insert, select, update

from roost.accounts.schema import accounts, follows
from roost.cache.keys import Keys
from roost.db import Database
from roost.db.metadata import utcnow
from roost.events.schema import dead_letters, outbox
from roost.ids import new_id
from roost.migrations.runner import upgrade_to_head
from roost.settings import Settings
from roost.timelines.engine import engine
from roost.timelines.redis_store import decode
from roost.timelines.schema import home_feeds
from roost.timelines.store import ID_BYTES, Window
from tests.e2e.server import roost_command, roost_env, running_server, sign_up_over_http

FOLLOWERS = 20_000
BATCH_SIZE = 200  # 100 fan-out batch jobs
CLAIM_IDLE_MS = 1500
KILL_DEADLINE_S = 60.0
RECOVERY_DEADLINE_S = 60.0
EMBEDDED_RECOVERY_DEADLINE_S = 150.0  # the dead process's 60 s lease runs out first

FANOUT_ENV = {
    "ROOST_FANOUT_THRESHOLD": str(FOLLOWERS * 2),  # the author is fanned out, not pulled
    "ROOST_FANOUT_BATCH_SIZE": str(BATCH_SIZE),
    "ROOST_CLAIM_IDLE_MS": str(CLAIM_IDLE_MS),
}


@dataclass(frozen=True)
class Followers:
    active: list[int]  # in follow order: fan-out delivers to them in this order
    inactive: list[int]  # idle for 30 days, or never active

    @property
    def everyone(self) -> list[int]:
        return self.active + self.inactive


def _last_active(index: int, now: datetime) -> datetime | None:
    """Most followers were seen an hour ago; every 500th a month ago; every 2,000th never
    (50 inactive followers, spread over the batches)."""
    if index % 2000 == 13:
        return None
    if index % 500 == 7:
        return now - timedelta(days=30)
    return now - timedelta(hours=1)


async def _add_followers(db: Database, author_id: int) -> Followers:
    """20,000 accounts following the author, in three statements, counters consistent."""
    now = utcnow()
    account_rows: list[dict[str, Any]] = []
    active: list[int] = []
    inactive: list[int] = []
    tag = uuid.uuid4().hex[:6]
    for index in range(FOLLOWERS):
        account_id = new_id()
        last_active = _last_active(index, now)
        is_active = last_active is not None and now - last_active < timedelta(days=1)
        (active if is_active else inactive).append(account_id)
        username = f"f{tag}{index}"
        account_rows.append(
            {"id": account_id, "username": username, "username_key": username,
             "email": f"{username}@example.com", "password_hash": "!", "created_at": now,
             "last_active_at": last_active, "following_count": 1}
        )  # fmt: skip
    follow_rows = [
        {"id": new_id(), "account_id": row["id"], "target_account_id": author_id,
         "created_at": now, "show_reblogs": True, "notify": False}
        for row in account_rows  # follows.id in the same order: fan-out order
    ]  # fmt: skip
    async with db.write() as conn:
        await conn.execute(insert(accounts), account_rows)
        await conn.execute(insert(follows), follow_rows)
        await conn.execute(
            update(accounts)
            .where(accounts.c.id == author_id)
            .values(followers_count=accounts.c.followers_count + FOLLOWERS)
        )
    return Followers(active=active, inactive=inactive)


async def _seed_scaled(settings: Settings, author_id: int) -> Followers:
    """Followers in PostgreSQL, and an empty home in Redis for each (the store's replace)."""
    from redis.asyncio import Redis

    db = Database(settings.sqlalchemy_url)
    client = Redis.from_url(settings.redis_url or "", max_connections=64)
    try:
        followers = await _add_followers(db, author_id)
        store = engine(settings=settings, db=db, redis=client, keys=Keys(settings.redis_prefix))
        gate = asyncio.Semaphore(50)

        async def materialize(account_id: int) -> None:
            async with gate:
                await store.store.replace(account_id, Window(ids=[], floor=0), keep_after=0)

        await asyncio.gather(*(materialize(i) for i in followers.everyone))
        return followers
    finally:
        await client.aclose()
        await db.dispose()


async def _seed_embedded(settings: Settings, author_id: int) -> Followers:
    """Followers in SQLite, and an empty home for each: the ``home_feeds`` marker rows
    ``SqlTimelineStore.replace`` writes for an empty window, inserted in one statement."""
    db = Database(settings.sqlalchemy_url)
    try:
        followers = await _add_followers(db, author_id)
        async with db.write() as conn:
            await conn.execute(
                insert(home_feeds),
                [{"account_id": i, "floor_id": 0, "size": 0, "built_at": utcnow()}
                 for i in followers.everyone],
            )  # fmt: skip
        return followers
    finally:
        await db.dispose()


async def _outbox_and_dead_letters(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        async with db.read() as conn:
            left = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
            dead = (await conn.execute(select(func.count()).select_from(dead_letters))).scalar_one()
        return int(left), int(dead)
    finally:
        await db.dispose()


def _post_status(base: str, token: str) -> tuple[int, int]:
    auth = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{base}/api/v1/accounts/verify_credentials", headers=auth)
    answer = httpx.post(f"{base}/api/v1/statuses", headers=auth, json={"status": "to everyone"})
    assert answer.status_code == 200, answer.text
    return int(me.json()["id"]), int(answer.json()["id"])


def _wait_for(
    condition: Callable[[], bool], deadline_s: float, what: str, log: Callable[[], str]
) -> None:
    deadline = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {deadline_s}s waiting until {what}\n{log()}")
        time.sleep(0.002)


# --- scaled out -----------------------------------------------------------------------------


def _copies_in_redis(
    client: redis.Redis, keys: Keys, account_ids: list[int], status_id: int
) -> dict[int, int]:
    """How many times each home holds the status: raw 8-byte entries counted (a duplicate
    would show) and checked against the store's own ``decode`` (what readers see)."""
    packed = pack(">Q", status_id)
    copies: dict[int, int] = {}
    for start in range(0, len(account_ids), 2000):
        chunk = account_ids[start : start + 2000]
        for account_id, raw in zip(chunk, client.mget([keys.home(i) for i in chunk]), strict=True):
            assert isinstance(raw, bytes), f"home of {account_id} went missing"
            count = (len(raw) - ID_BYTES) // ID_BYTES
            entries = unpack_from(f">{count}Q", raw, ID_BYTES)
            copies[account_id] = entries.count(status_id)
            assert (status_id in decode(raw).ids) == (copies[account_id] > 0)
            assert (packed in raw) >= (copies[account_id] > 0)
    return copies


def _stream_state(client: redis.Redis, stream: str) -> dict[str, tuple[int, int | None]]:
    """(pending, lag) of every consumer group on the events stream."""
    return {
        group["name"].decode(): (
            int(client.xpending(stream, group["name"])["pending"]),
            group.get("lag"),
        )
        for group in client.xinfo_groups(stream)
    }


def test_a_worker_killed_mid_fanout_leaves_every_active_follower_the_status_once(
    tmp_path: Path, empty_postgres_url: str, redis_url: str
) -> None:
    prefix = f"roost-test-{uuid.uuid4().hex[:12]}"
    keys = Keys(prefix)
    stream = keys.events_stream()
    settings = Settings(
        data_dir=tmp_path / "data", database_url=empty_postgres_url, redis_url=redis_url,
        redis_prefix=prefix, _env_file=None,  # type: ignore[call-arg]
    )  # fmt: skip
    upgrade_to_head(settings.sqlalchemy_url)
    env = roost_env(
        tmp_path / "data",
        ROOST_DATABASE_URL=empty_postgres_url,
        ROOST_REDIS_URL=redis_url,
        ROOST_REDIS_PREFIX=prefix,
        **FANOUT_ENV,
    )
    client = redis.Redis.from_url(redis_url)
    workers: list[subprocess.Popen[str]] = []

    def start_worker(name: str) -> subprocess.Popen[str]:
        with (tmp_path / f"{name}.log").open("w") as log:
            process = subprocess.Popen(
                [*roost_command(), "worker"],
                env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        workers.append(process)
        return process

    def logs() -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(tmp_path.glob("*.log"))
        )

    try:
        with running_server(env=env, cwd=tmp_path, args=("--no-workers",)) as server:
            token = sign_up_over_http(server.url, "author")
            me = httpx.get(
                f"{server.url}/api/v1/accounts/verify_credentials",
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            followers = asyncio.run(_seed_scaled(settings, int(me["id"])))
            assert len(followers.active) == 19_950 and len(followers.inactive) == 50
            _, status_id = _post_status(server.url, token)
            first_home = keys.home(followers.active[0])  # in the first batch job
            needle = pack(">Q", status_id)

            doomed = start_worker("worker-1")
            _wait_for(
                lambda: needle in (client.get(first_home) or b"") or doomed.poll() is not None,
                KILL_DEADLINE_S, "the first follower has the status", logs,
            )  # fmt: skip
            assert doomed.poll() is None, logs()
            doomed.kill()
            doomed.wait(timeout=10)

            copies = _copies_in_redis(client, keys, followers.active, status_id)
            reached = sum(1 for n in copies.values() if n)
            assert 0 < reached < len(followers.active), f"{reached} reached: not mid-fan-out"
            pending_at_kill = _stream_state(client, stream)["timelines"][0]
            assert pending_at_kill > 0, "the dead worker should have left entries pending"

            start_worker("worker-2")

            def recovered() -> bool:
                copies = _copies_in_redis(client, keys, followers.active, status_id)
                groups = _stream_state(client, stream)
                return (
                    all(copies.values())
                    and all(pending == 0 and not lag for pending, lag in groups.values())
                    and asyncio.run(_outbox_and_dead_letters(settings.sqlalchemy_url))[0] == 0
                )

            deadline = time.monotonic() + RECOVERY_DEADLINE_S
            while not recovered():
                assert time.monotonic() < deadline, (
                    f"no recovery in {RECOVERY_DEADLINE_S}s\n{logs()}"
                )
                time.sleep(0.5)

            copies = _copies_in_redis(client, keys, followers.active, status_id)
            assert {n for n in copies.values()} == {1}, "every active follower has it exactly once"
            idle = _copies_in_redis(client, keys, followers.inactive, status_id)
            assert set(idle.values()) == {0}, "inactive followers are not fanned out to"
            assert asyncio.run(_outbox_and_dead_letters(settings.sqlalchemy_url)) == (0, 0)
            groups = _stream_state(client, stream)
            assert "timelines" in groups
            assert {name: pending for name, (pending, _) in groups.items()} == dict.fromkeys(
                groups, 0
            )
            assert client.xlen(keys.dead_letters_stream()) == 0, "nothing was dead-lettered"
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
        client.close()


# --- embedded -------------------------------------------------------------------------------


def _copies_in_sqlite(path: Path, status_id: int) -> dict[int, int]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        rows = connection.execute(
            "SELECT account_id, count(*) FROM home_feed_entries WHERE status_id = ? "
            "GROUP BY account_id",
            (status_id,),
        ).fetchall()
    finally:
        connection.close()
    return {int(account_id): int(n) for account_id, n in rows}


def _sqlite_scalar(path: Path, sql: str) -> int:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return int(connection.execute(sql).fetchone()[0])
    finally:
        connection.close()


@pytest.mark.e2e
def test_an_embedded_server_killed_mid_fanout_finishes_it_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data, database_url=None, _env_file=None)  # type: ignore[call-arg]
    env = roost_env(data, **FANOUT_ENV)
    path = settings.sqlite_path

    def logs() -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(tmp_path.glob("*.log"))
        )

    with running_server(env=env, cwd=tmp_path) as server:  # migrates the new SQLite file
        token = sign_up_over_http(server.url, "author")
        me = httpx.get(
            f"{server.url}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        followers = asyncio.run(_seed_embedded(settings, int(me["id"])))
        _, status_id = _post_status(server.url, token)
        first = followers.active[0]
        _wait_for(
            lambda: bool(_copies_in_sqlite(path, status_id).get(first))
            or server.process.poll() is not None,
            KILL_DEADLINE_S, "the first follower has the status", logs,
        )  # fmt: skip
        assert server.process.poll() is None, logs()
        server.process.kill()  # SIGKILL; leaving the block only reaps it
        server.process.wait(timeout=10)

    at_kill = _copies_in_sqlite(path, status_id)
    reached = sum(1 for i in followers.active if at_kill.get(i))
    assert 0 < reached < len(followers.active), f"{reached} reached: not mid-fan-out"
    assert _sqlite_scalar(path, "SELECT count(*) FROM outbox") > 0, "work was left behind"

    with running_server(env=env, cwd=tmp_path) as server:
        deadline = time.monotonic() + EMBEDDED_RECOVERY_DEADLINE_S
        while _sqlite_scalar(path, "SELECT count(*) FROM outbox") or not all(
            map(_copies_in_sqlite(path, status_id).get, followers.active)
        ):
            assert server.process.poll() is None, logs()
            assert time.monotonic() < deadline, (
                f"no recovery in {EMBEDDED_RECOVERY_DEADLINE_S}s\n{logs()}"
            )
            time.sleep(0.5)

    copies = _copies_in_sqlite(path, status_id)
    assert {copies.get(i, 0) for i in followers.active} == {1}
    assert not any(copies.get(i) for i in followers.inactive), "inactive followers skipped"
    assert _sqlite_scalar(path, "SELECT count(*) FROM outbox") == 0
    assert _sqlite_scalar(path, "SELECT count(*) FROM dead_letters") == 0
    # A redelivery changed nothing: every home's size still counts its entries.
    assert (
        _sqlite_scalar(
            path,
            "SELECT count(*) FROM home_feeds f WHERE f.size != "
            "(SELECT count(*) FROM home_feed_entries e WHERE e.account_id = f.account_id)",
        )
        == 0
    )

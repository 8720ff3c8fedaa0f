"""Fault 3: a worker killed (SIGKILL) mid-batch and one frozen (SIGSTOP) past the claim
timeout lose no event, and the redelivery they cause changes nothing anyone can see.

Real processes: ``roost serve --no-workers`` and ``roost worker`` processes on a
PostgreSQL database and a Redis server of the test's own, ``claim_idle_ms`` 1 s and
fan-out jobs of one follower each (so every batch is long enough to be caught in).

1. Workers w1 and w2 run. A burst of statuses, each mentioning the first follower, is
   posted; w1 is frozen while it holds unacknowledged entries (mid-batch), then SIGKILLed.
2. w2 is frozen the same way mid-batch, and stays frozen past the claim timeout while a
   second burst is posted and a new worker w3 starts: w3 takes over w1's and w2's
   entries (XAUTOCLAIM) and everything reaches everyone.
3. w2 is thawed (SIGCONT): it finishes the batch it held, handling again entries w3
   already handled. Then w2 and w3 get SIGTERM and leave cleanly.

Afterwards: every follower's materialized home (raw Redis value) holds every status
exactly once, the API's home has no duplicate, the mentioned follower has exactly one
mention notification per status and the author one follow notification per follower;
nothing is pending, lagging or dead-lettered, the outbox is empty.

Roost's connections set ``idle_in_transaction_session_timeout`` to
``ROOST_DATABASE_TIMEOUT_SECONDS``, here 3 s: w2 can be frozen inside a transaction
holding row locks (a trends bucket, say), and without it w3 would queue behind those
locks until w2 is thawed.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from pathlib import Path
from struct import unpack_from

import asyncpg
import httpx
import pytest
import redis

from roost.cache.keys import Keys
from roost.timelines.redis_store import decode
from roost.timelines.store import ID_BYTES
from tests.faults.harness import (
    Deployment,
    Process,
    User,
    app_token,
    deployment,
    follow,
    home_ids,
    post_status,
    sign_up,
    wait_until,
)
from tests.support.faults import RedisServer

pytestmark = pytest.mark.e2e

FOLLOWERS = 4
BURST = 10
CLAIM_IDLE_MS = 1000
RECOVERY_DEADLINE_S = 40.0


def _consumers_of(client: redis.Redis, stream: str, pid: int) -> dict[str, int]:
    """Pending entries per ``group/consumer`` of the worker process ``pid``."""
    found: dict[str, int] = {}
    for group in client.xinfo_groups(stream):
        name = group["name"].decode()
        for consumer in client.xinfo_consumers(stream, name):
            if f"-{pid}-" in consumer["name"].decode():
                found[f"{name}/{consumer['name'].decode()}"] = int(consumer["pending"])
    return found


def _settled(client: redis.Redis, stream: str) -> bool:
    """Every group has read the whole stream and acknowledged everything."""
    if not client.exists(stream):
        return False
    groups = client.xinfo_groups(stream)
    return bool(groups) and all(
        int(g["pending"]) == 0 and g.get("lag") in (0, None) for g in groups
    )


def _freeze_mid_batch(client: redis.Redis, stream: str, worker: Process, roost: Deployment) -> int:
    """SIGSTOP ``worker`` at a moment it holds unacknowledged entries; how many it holds."""
    held = 0

    def caught() -> bool:
        nonlocal held
        if sum(_consumers_of(client, stream, worker.popen.pid).values()) == 0:
            return False
        worker.signal(signal.SIGSTOP)
        held = sum(_consumers_of(client, stream, worker.popen.pid).values())
        if held == 0:  # it acknowledged between the look and the stop: try again
            worker.signal(signal.SIGCONT)
            return False
        return True

    wait_until(caught, timeout=30, what=f"{worker.name} holds a batch", logs=roost.logs,
               interval=0.002)  # fmt: skip
    return held


def _post_burst(base: str, author: User, mentioned: User, label: str, ids: list[str]) -> None:
    for n in range(BURST):
        answer = post_status(base, author, f"@{mentioned.username} {label} {n}")
        assert answer.status_code == 200, answer.text
        ids.append(str(answer.json()["id"]))


def _copies(client: redis.Redis, keys: Keys, user: User, status_ids: list[str]) -> list[int]:
    """How often the user's materialized home holds each status (raw entries, so a
    duplicate would show)."""
    raw = client.get(keys.home(int(user.id)))
    assert isinstance(raw, bytes), f"the home of {user.username} is not materialized"
    count = (len(raw) - ID_BYTES) // ID_BYTES
    entries = unpack_from(f">{count}Q", raw, ID_BYTES)
    assert set(decode(raw).ids) <= set(entries)
    return [entries.count(int(status_id)) for status_id in status_ids]


def _notifications(base: str, user: User, kind: str) -> list[str]:
    """The status (or account) id of each of ``user``'s notifications of ``kind``."""
    seen: list[str] = []
    url: str | None = f"{base}/api/v1/notifications?types[]={kind}&limit=40"
    while url:
        answer = httpx.get(url, headers=user.auth, timeout=10)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        if not page:
            break
        seen.extend(
            str(n["status"]["id"]) if n.get("status") else str(n["account"]["id"]) for n in page
        )
        url = answer.links.get("next", {}).get("url")
    return seen


def _outbox_size(database_url: str) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(database_url)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM outbox"))
        finally:
            await conn.close()

    return asyncio.run(count())


def test_killed_and_frozen_workers_lose_nothing_and_apply_nothing_twice(
    tmp_path: Path, empty_postgres_url: str, own_redis: RedisServer
) -> None:
    with deployment(
        tmp_path,
        database_url=empty_postgres_url,
        redis_url=own_redis.url,
        ROOST_CLAIM_IDLE_MS=str(CLAIM_IDLE_MS),
        ROOST_FANOUT_BATCH_SIZE="1",
        ROOST_SHUTDOWN_TIMEOUT_SECONDS="10",
        # Also idle_in_transaction_session_timeout: a frozen worker's open transaction ends
        # after this long, so the others are not blocked behind its row locks for good.
        ROOST_DATABASE_TIMEOUT_SECONDS="3",
    ) as roost:
        keys = Keys(roost.prefix)
        stream = keys.events_stream()
        client = redis.Redis.from_url(own_redis.url, socket_timeout=5)
        api, (w1, w2) = roost.start("w1", "w2")
        assert api.url
        base = api.url

        token = app_token(base)
        author = sign_up(base, token, "author")
        followers = [sign_up(base, token, f"follower{n}") for n in range(FOLLOWERS)]
        for follower in followers:
            follow(base, follower, author)
        wait_until(lambda: _settled(client, stream), timeout=20, what="the follows are handled",
                   logs=roost.logs)  # fmt: skip
        for follower in followers:
            home_ids(base, follower)  # materializes each home, so fan-out must deliver
        mentioned = followers[0]
        posted: list[str] = []

        # 1. w1 frozen mid-batch, then killed.
        burst = threading.Thread(target=_post_burst, args=(base, author, mentioned, "one", posted))
        burst.start()
        assert _freeze_mid_batch(client, stream, w1, roost) > 0
        w1.kill()
        burst.join(timeout=60)
        assert len(posted) == BURST

        # 2. w2 frozen mid-batch past the claim timeout; w3 takes over.
        _freeze_mid_batch(client, stream, w2, roost)
        _post_burst(base, author, mentioned, "two", posted)
        w3 = roost.start_worker("w3")

        def delivered() -> bool:
            return all(
                set(_copies(client, keys, follower, posted)) == {1} for follower in followers
            ) and _settled(client, stream)

        def state() -> str:
            missing = {
                f.username: [
                    status_id
                    for status_id, n in zip(posted, _copies(client, keys, f, posted), strict=True)
                    if n != 1
                ]
                for f in followers
            }
            groups = [
                {k: g[k] for k in ("name", "pending", "lag", "last-delivered-id") if k in g}
                for g in client.xinfo_groups(stream)
            ]
            return f"missing or doubled: {missing}\ngroups: {groups}\n{roost.logs()}"

        wait_until(delivered, timeout=RECOVERY_DEADLINE_S, interval=0.25,
                   what="w3 delivered everything w1 and w2 held", logs=state)  # fmt: skip
        assert w2.alive(), "w2 is frozen, not dead"
        assert sum(_consumers_of(client, stream, w2.popen.pid).values()) == 0, "w3 took over"

        # 3. w2 thawed: it finishes its stale batch; then both workers stop cleanly.
        w2.signal(signal.SIGCONT)
        # w2's follow-up jobs may wait in the outbox for a relay (its Redis breaker opened
        # while it was frozen): done means relayed and handled, not only acknowledged.
        wait_until(lambda: _outbox_size(empty_postgres_url) == 0 and _settled(client, stream),
                   timeout=20, what="w2's stale batch is done", logs=roost.logs)  # fmt: skip
        for worker in (w2, w3):
            worker.signal(signal.SIGTERM)
        for worker in (w2, w3):
            wait_until(lambda w=worker: not w.alive(), timeout=20,  # type: ignore[misc]
                       what=f"{worker.name} stops on SIGTERM", logs=roost.logs)  # fmt: skip
            assert worker.popen.returncode == 0, roost.logs()
            assert "Roost worker: stopped" in worker.log()
            left = _consumers_of(client, stream, worker.popen.pid)
            assert set(left.values()) <= {0}, f"{worker.name} left entries pending: {left}"

        for follower in followers:
            assert _copies(client, keys, follower, posted) == [1] * len(posted), follower
            ids = home_ids(base, follower)
            assert len(ids) == len(set(ids)), "the API's home shows no duplicate"
            assert set(posted) <= set(ids)
        mentions = _notifications(base, mentioned, "mention")
        assert sorted(mentions) == sorted(posted), "one mention notification per status"
        follows = _notifications(base, author, "follow")
        assert sorted(follows) == sorted(f.id for f in followers)
        # Workers are stopped now: nothing may be left delivered and unacknowledged. (Lag,
        # entries not yet read, is checked above while workers ran; an entry appended after
        # they stopped waits for the next worker and is not lost.)
        assert all(int(g["pending"]) == 0 for g in client.xinfo_groups(stream))
        assert client.xlen(keys.dead_letters_stream()) == 0, "nothing dead-lettered"
        assert _outbox_size(empty_postgres_url) == 0
        client.close()

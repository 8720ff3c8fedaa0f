"""Fan-out throughput, Redis's own insert rate, memory per entry and post-to-visible latency.

Scaled-out deployment only (PostgreSQL + Redis): a real ``roost serve --no-workers``
process (the bench app) takes the posts over HTTP, a real ``roost worker`` process
fans them out, and the figures are read from Redis itself.

- Fan-out: statuses by the most-followed authors under the fan-out threshold are
  posted in a burst while the worker process is paused (SIGSTOP), so every post is
  committed and its event on the stream before the clock starts; the worker is resumed
  (SIGCONT) and deliveries per second per worker process = entries that reached home
  timelines / (stream drained - resume), "drained" meaning no consumer group has
  anything unread or pending (polled every 10 ms). Afterwards every follower's
  timeline is read to count exactly what was delivered. The end-to-end figure (posting
  over HTTP included, what earlier runs reported) is kept beside it.
- Delivery script alone: ``RedisTimelineStore.deliver`` called from the bench process
  in batches of 1,000 on scratch timelines (``measure_store``).
- Redis ceiling: ``redis-benchmark -P 16`` ZADD (random members into one sorted set:
  real inserts; and one member re-added, what ``-t zadd`` measures: an update that
  changes nothing) and APPEND (the engine's own write) against the same Redis in the
  same run, on keys under this instance's prefix only, deleted afterwards.
- Memory: ``MEMORY USAGE`` over sampled home keys / the entries they hold.
- Latency: posts at a steady rate by random authors under the threshold; for each post
  one active follower's timeline is polled (one pipelined poll of every post in flight
  each 10 ms) until the id is there.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from rich.console import Console
from sqlalchemy import select

from roost.accounts.schema import accounts, follows
from roost.cache.keys import Keys
from roost.cache.redis_client import create_redis
from roost.db import Database
from roost.db.metadata import utcnow
from roost.settings import Settings
from roost.timelines.redis_store import RedisTimelineStore, decode, encode
from roost.timelines.store import Delivery, Window


def read_tokens(path: Path) -> dict[int, str]:
    tokens = {}
    for line in path.read_text().splitlines():
        account_id, _, _, token = line.split("\t")
        tokens[int(account_id)] = token
    return tokens


@dataclass
class Audience:
    """Authors under the fan-out threshold and their active followers."""

    followers: dict[int, list[int]]  # author id -> active follower ids


async def load_audience(
    db: Database, settings: Settings, *, authors: int, most_followed: bool, seed: int = 1
) -> Audience:
    """``authors`` accounts under the threshold (the most followed, or random ones with
    active followers), each with its followers active within ``active_days``."""
    since = utcnow() - timedelta(days=settings.active_days)
    async with db.read() as conn:
        query = select(accounts.c.id).where(
            accounts.c.followers_count <= settings.fanout_threshold,
            accounts.c.followers_count > 0,
        )
        if most_followed:
            query = query.order_by(accounts.c.followers_count.desc()).limit(authors)
            chosen = list((await conn.execute(query)).scalars())
        else:
            pool = list(
                (await conn.execute(query.where(accounts.c.last_active_at >= since))).scalars()
            )
            chosen = random.Random(seed).sample(pool, min(authors, len(pool)))
        rows = await conn.execute(
            select(follows.c.target_account_id, follows.c.account_id)
            .join(accounts, accounts.c.id == follows.c.account_id)
            .where(follows.c.target_account_id.in_(chosen), accounts.c.last_active_at >= since)
        )
        result: dict[int, list[int]] = {author: [] for author in chosen}
        for author, follower in rows:
            result[author].append(follower)
    return Audience({a: f for a, f in result.items() if f})


async def present(
    redis: Redis, keys: Keys, status_id: int, account_ids: Sequence[int]
) -> list[bool]:
    """Whether each account's home timeline holds the status (one pipelined round trip)."""
    async with redis.pipeline(transaction=False) as pipe:
        for account_id in account_ids:
            pipe.get(keys.home(account_id))
        raws = await pipe.execute()
    return [raw is not None and status_id in decode(bytes(raw)).ids for raw in raws]


async def stream_drained(redis: Redis, keys: Keys) -> bool:
    """No consumer group has unread (lag) or unacknowledged (pending) events."""
    try:
        groups = await redis.xinfo_groups(keys.events_stream())
    except Exception:  # the stream does not exist yet
        return False
    for group in groups:
        lag = group.get("lag")
        if group.get("pending", 0) or lag is None or lag > 0:
            return False
    return True


async def _keep_materialized(redis: Redis, keys: Keys, audience: Audience) -> None:
    """Only followers whose timeline exists receive deliveries (missing ones are rebuilt
    on read, by design): count those alone."""
    for author, followers in audience.followers.items():
        async with redis.pipeline(transaction=False) as pipe:
            for follower in followers:
                pipe.exists(keys.home(follower))
            exists = await pipe.execute()
        audience.followers[author] = [f for f, e in zip(followers, exists, strict=True) if e]


async def _post(client: httpx.AsyncClient, token: str, text: str) -> int:
    response = await client.post(
        "/api/v1/statuses",
        json={"status": text, "visibility": "public"},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return int(response.json()["id"])


async def measure_fanout(
    *,
    settings: Settings,
    base_url: str,
    tokens: dict[int, str],
    authors: int,
    posts_per_author: int,
    wait_seconds: float,
    console: Console,
    worker_pid: int | None = None,
) -> dict[str, Any]:
    """Post a burst by the most-followed authors under the threshold; time the fan-out.

    With ``worker_pid`` the worker process is paused (SIGSTOP) while the burst is posted
    and resumed (SIGCONT) once every post is committed, so the timed window holds the
    worker's own work alone: the events of every status are already on the stream and
    the clock runs from the resume until the stream is drained (nothing unread, nothing
    pending). Posting time is reported beside it, and the end-to-end figure too."""
    db = Database(settings.sqlalchemy_url, pool_size=2)
    redis = create_redis(settings)
    assert redis is not None, "the fan-out benchmark needs ROOST_REDIS_URL"
    keys = Keys(settings.redis_prefix)
    try:
        audience = await load_audience(db, settings, authors=authors, most_followed=True)
        await _keep_materialized(redis, keys, audience)
        posted: list[tuple[int, int]] = []  # (status id, author)
        if worker_pid is not None:
            os.kill(worker_pid, signal.SIGSTOP)
        try:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                started = time.perf_counter()
                for round_ in range(posts_per_author):
                    for author in audience.followers:
                        text = f"fan-out {round_} {author}"
                        posted.append((await _post(client, tokens[author], text), author))
                posted_at = time.perf_counter()
        finally:
            if worker_pid is not None:
                os.kill(worker_pid, signal.SIGCONT)
        resumed = time.perf_counter()
        finished = None
        # Only the stream is polled (cheap): the check below counts every delivery.
        while time.perf_counter() - resumed < wait_seconds:
            if await stream_drained(redis, keys):
                finished = time.perf_counter()
                break
            await asyncio.sleep(0.01)
        delivered = 0
        expected = 0
        for status_id, author in posted:
            followers = audience.followers[author]
            expected += len(followers)
            delivered += sum(await present(redis, keys, status_id, followers))
        end = finished or time.perf_counter()
        worker_seconds = end - (resumed if worker_pid is not None else started)
        total_seconds = end - started
        figures = {
            "authors": len(audience.followers),
            "statuses": len(posted),
            "active_followers_per_status_avg": round(expected / max(len(posted), 1)),
            "expected_deliveries": expected,
            "deliveries": delivered,
            "worker_paused_while_posting": worker_pid is not None,
            "posting_seconds": round(posted_at - started, 3),
            "seconds": round(worker_seconds, 3),
            "finished": finished is not None,
            # Per worker process: from the resume (every post committed) to drained.
            "deliveries_per_second": round(delivered / worker_seconds, 1),
            # Posting over HTTP included (the figure earlier runs reported).
            "end_to_end_seconds": round(total_seconds, 3),
            "end_to_end_deliveries_per_second": round(delivered / total_seconds, 1),
        }
        console.print(
            f"  fan-out: {delivered}/{expected} deliveries in {worker_seconds:.2f} s = "
            f"{figures['deliveries_per_second']:.0f}/s (one worker process; posting took "
            f"{figures['posting_seconds']:.2f} s more: "
            f"{figures['end_to_end_deliveries_per_second']:.0f}/s end to end)"
        )
        return figures
    finally:
        await redis.aclose()
        await db.dispose()


async def measure_store(
    settings: Settings,
    *,
    timelines: int = 5000,
    entries: int = 550,
    batch: int = 1000,
    statuses: int = 300,
) -> dict[str, Any]:
    """The delivery script alone: ``RedisTimelineStore.deliver`` from this process,
    batches of ``batch`` timelines of ``entries`` ids, one status per call (every tenth
    a reblog), on scratch keys under ``<prefix>:bench-store`` deleted afterwards."""
    redis = create_redis(settings)
    assert redis is not None
    keys = Keys(f"{settings.redis_prefix}:bench-store")
    store = RedisTimelineStore(
        redis, keys, cap=settings.timeline_cap, falloff=settings.reblog_falloff, ttl_seconds=600
    )
    base = 1 << 60
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for account in range(timelines):
                ids = [base + account * 10_000 + j for j in range(entries)]
                pipe.set(keys.home(account), encode(Window(ids=ids)), ex=600)
            await pipe.execute()
        status_id = base + 10**12
        delivered = 0
        started = time.perf_counter()
        for number in range(statuses):
            status_id += 1
            first = number * batch % timelines
            accounts_ = [(first + i) % timelines for i in range(batch)]
            reblog_of = status_id - 1000 if number % 10 == 0 else None
            delivered += await store.deliver(Delivery(status_id, reblog_of), accounts_)
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        again = await store.deliver(Delivery(status_id), accounts_)  # a redelivered batch
        redelivery = time.perf_counter() - started
    finally:
        for start in range(0, timelines, 1000):
            await redis.delete(*(keys.home(a) for a in range(start, min(start + 1000, timelines))))
        await redis.aclose()
    return {
        "timelines": timelines,
        "entries_each": entries,
        "batch": batch,
        "calls": statuses,
        "deliveries": delivered,
        "deliveries_per_second": round(delivered / elapsed, 1),
        "redelivered_batch_ms": round(redelivery * 1000, 2),
        "redelivered_stored": again,
    }


def redis_benchmark(settings: Settings, *, requests: int = 1_000_000) -> dict[str, Any]:
    """``redis-benchmark -P 16`` ZADD (two ways) and APPEND on this prefix, then clean up."""
    import redis as sync_redis

    assert settings.redis_url
    client = sync_redis.Redis.from_url(settings.redis_url)
    host = client.connection_pool.connection_kwargs.get("host", "127.0.0.1")
    port = client.connection_pool.connection_kwargs.get("port", 6379)
    db_index = client.connection_pool.connection_kwargs.get("db", 0)
    prefix = f"{settings.redis_prefix}:redis-benchmark"
    # name -> (keyspace for __rand_int__, or None for the constant 000000000000; command)
    commands: dict[str, tuple[int | None, list[str]]] = {
        "zadd": (100_000, ["ZADD", f"{prefix}:zset", "__rand_int__", "element:__rand_int__"]),
        "zadd_one_member": (None, ["ZADD", f"{prefix}:zset-one", "0", "element:__rand_int__"]),
        "append": (100_000, ["APPEND", f"{prefix}:str:__rand_int__", "12345678"]),
    }
    results: dict[str, Any] = {}
    try:
        for name, (keyspace, command) in commands.items():
            spread = ["-r", str(keyspace)] if keyspace else []
            argv = [
                "redis-benchmark", "-h", str(host), "-p", str(port), "--dbnum", str(db_index),
                "-P", "16", "-n", str(requests), *spread, "--csv", *command,
            ]  # fmt: skip
            done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=300)
            row = [line for line in done.stdout.splitlines() if line.strip()][-1]
            rps = float(row.split(",")[1].strip('"'))
            results[name] = {"requests_per_second": rps, "command": " ".join(argv)}
    finally:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
        client.close()
    return results


async def memory_per_entry(settings: Settings, *, sample: int = 500) -> dict[str, Any]:
    """MEMORY USAGE of sampled home keys divided by the entries they hold."""
    redis = create_redis(settings)
    assert redis is not None
    pattern = Keys(settings.redis_prefix).home(0).replace("{0}", "*")
    try:
        found: list[bytes] = []
        async for key in redis.scan_iter(match=pattern, count=1000):
            found.append(key)
        chosen = random.Random(3).sample(found, min(sample, len(found)))
        used = entries = 0
        for key in chosen:
            raw = await redis.get(key)
            if raw is None:
                continue
            used += await redis.memory_usage(key, samples=0) or 0
            entries += len(decode(raw if isinstance(raw, bytes) else raw.encode()).ids)
        info = await redis.info("memory")
    finally:
        await redis.aclose()
    return {
        "home_keys": len(found),
        "sampled_keys": len(chosen),
        "sampled_entries": entries,
        "entries_per_key_avg": round(entries / max(len(chosen), 1), 1),
        "bytes_per_entry": round(used / max(entries, 1), 2),
        "allocator": info.get("mem_allocator"),
    }


async def measure_latency(
    *,
    settings: Settings,
    base_url: str,
    tokens: dict[int, str],
    rate: float,
    duration: float,
    console: Console,
) -> dict[str, Any]:
    """Post at ``rate``/s for ``duration`` s; time each until one active follower sees it."""
    db = Database(settings.sqlalchemy_url, pool_size=2)
    redis = create_redis(settings)
    assert redis is not None
    keys = Keys(settings.redis_prefix)
    rng = random.Random(11)
    latencies: list[float] = []
    post_times: list[float] = []
    missing = 0
    outstanding: dict[int, tuple[int, float]] = {}  # status id -> (follower, sent at)
    try:
        audience = await load_audience(db, settings, authors=500, most_followed=False)
        authors = list(audience.followers)
        rng.shuffle(authors)
        total = int(rate * duration)
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:

            async def one(index: int, due: float) -> None:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                author = authors[index % len(authors)]
                follower = rng.choice(audience.followers[author])
                sent = time.perf_counter()
                status_id = await _post(client, tokens[author], f"latency probe {index}")
                post_times.append(time.perf_counter() - sent)
                outstanding[status_id] = (follower, sent)

            async def watch(posting: asyncio.Future[Any]) -> None:
                # One poller for every post in flight: one pipelined round trip per 10 ms.
                nonlocal missing
                while not posting.done() or outstanding:
                    pending = list(outstanding.items())
                    if pending:
                        async with redis.pipeline(transaction=False) as pipe:
                            for _, (follower, _) in pending:
                                pipe.get(keys.home(follower))
                            raws = await pipe.execute()
                        now = time.perf_counter()
                        for (status_id, (_, sent)), raw in zip(pending, raws, strict=True):
                            if raw is not None and status_id in decode(bytes(raw)).ids:
                                latencies.append(now - sent)
                                del outstanding[status_id]
                            elif now - sent > 10:
                                missing += 1
                                del outstanding[status_id]
                    await asyncio.sleep(0.01)

            start = time.perf_counter() + 0.5
            posting = asyncio.ensure_future(
                asyncio.gather(*(one(i, start + i / rate) for i in range(total)))
            )
            await asyncio.gather(posting, watch(posting))
    finally:
        await redis.aclose()
        await db.dispose()
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    figures = {
        "rate_per_second": rate,
        "duration_s": duration,
        "posts": total,
        "seen": len(latencies),
        "missing_after_10s": missing,
        "p50_ms": pct(0.50) if latencies else None,
        "p90_ms": pct(0.90) if latencies else None,
        "p99_ms": pct(0.99) if latencies else None,
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "post_request_p50_ms": round(statistics.median(post_times) * 1000, 1)
        if post_times
        else None,
        "post_request_max_ms": round(max(post_times) * 1000, 1) if post_times else None,
    }
    console.print(
        f"  post-to-visible at {rate}/s: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"{missing} not seen within 10 s"
    )
    return figures

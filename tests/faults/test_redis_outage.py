"""Fault 1: Redis stopped while clients post and read; started again, everything catches up.

Real ``roost serve --no-workers`` and ``roost worker`` on a PostgreSQL database and a
redis-server of the test's own, with fast-failing breakers. While Redis is down the API
reports level 2 in ``GET /health``, home timelines and statuses are still served (from
the database), posts are accepted. Redis comes back either with its data (it was saved
before the stop, as a persisted node restarts) or empty (a node replaced); either way
the level returns to 0 by itself, the relay re-publishes the outbox, the workers resume
(recreating their consumer groups when Redis came back empty), and every post made
during the outage reaches every active follower's home timeline: with the data kept,
fan-out delivers into the materialized homes themselves (read raw from Redis, before
anyone reads them); empty, the homes are rebuilt from the database when read. Each
outage post mentions a follower, and the mention notifications (made only by the
workers) prove every event was handled, once.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import redis

from roost.cache.keys import Keys
from roost.timelines.redis_store import decode
from tests.faults.harness import (
    User,
    app_token,
    deployment,
    follow,
    home_ids,
    post_status,
    sign_up,
    wait_until,
)
from tests.faults.outage import FAST_FAILURE_ENV, database_count, level
from tests.support.faults import RedisServer

pytestmark = pytest.mark.e2e

FOLLOWERS = 3
OUTAGE_POSTS = 5


def _mentions(base: str, user: User) -> list[str]:
    answer = httpx.get(
        f"{base}/api/v1/notifications?types[]=mention&limit=40", headers=user.auth, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return [str(n["status"]["id"]) for n in answer.json()]


@pytest.mark.parametrize("comes_back", ["with its data", "empty"])
def test_redis_stopped_while_clients_post_and_read(
    tmp_path: Path, empty_postgres_url: str, own_redis: RedisServer, comes_back: str
) -> None:
    with deployment(
        tmp_path, database_url=empty_postgres_url, redis_url=own_redis.url, **FAST_FAILURE_ENV
    ) as roost:
        api, _ = roost.start("worker")
        assert api.url
        base = api.url
        keys = Keys(roost.prefix)

        token = app_token(base)
        author = sign_up(base, token, "author")
        followers = [sign_up(base, token, f"follower{n}") for n in range(FOLLOWERS)]
        for follower in followers:
            follow(base, follower, author)
        first = post_status(base, author, "before the outage")
        assert first.status_code == 200, first.text
        before = str(first.json()["id"])
        wait_until(
            lambda: all(before in home_ids(base, f) for f in followers),
            timeout=20, what="the first post reaches every home", logs=roost.logs,
        )  # fmt: skip
        assert level(base) == 0
        if comes_back == "with its data":
            saver = redis.Redis.from_url(own_redis.url)
            saver.save()  # the restarted server loads this snapshot
            saver.close()

        own_redis.stop()
        during: list[str] = []
        for n in range(OUTAGE_POSTS):
            answer = post_status(base, author, f"@{followers[0].username} during the outage {n}")
            assert answer.status_code == 200, (
                f"post {n} refused: {answer.status_code} {answer.text}"
            )
            during.append(str(answer.json()["id"]))
            for follower in followers:
                home = home_ids(base, follower)
                assert before in home, f"{follower.username}'s home lost the old post: {home}"
                assert set(during) <= set(home), "the database-built home shows the new posts"
            shown = httpx.get(f"{base}/api/v1/statuses/{during[-1]}", headers=author.auth)
            assert shown.status_code == 200, shown.text
        wait_until(lambda: level(base) == 2, timeout=10, what="GET /health reports level 2",
                   logs=roost.logs)  # fmt: skip
        assert database_count(empty_postgres_url, "outbox") > 0, "the events wait in the outbox"

        own_redis.start()
        wait_until(lambda: level(base) == 0, timeout=20, what="the level is back to 0",
                   logs=roost.logs)  # fmt: skip
        wait_until(
            lambda: database_count(empty_postgres_url, "outbox") == 0,
            timeout=20, what="the relay re-published the outbox", logs=roost.logs,
        )  # fmt: skip
        wait_until(
            lambda: sorted(_mentions(base, followers[0])) == sorted(during),
            timeout=30, what="the workers handled every outage post", logs=roost.logs,
        )  # fmt: skip

        if comes_back == "with its data":
            client = redis.Redis.from_url(own_redis.url)

            def fanned_out() -> bool:
                for follower in followers:
                    raw = client.get(keys.home(int(follower.id)))
                    assert isinstance(raw, bytes), f"{follower.username}'s home was kept"
                    if not {int(i) for i in during} <= set(decode(raw).ids):
                        return False
                return True

            def state() -> str:
                homes = {
                    f.username: decode(client.get(keys.home(int(f.id))) or b"\0" * 8)
                    for f in followers
                }
                groups = client.xinfo_groups(keys.events_stream())
                return f"outage posts {during}\nhomes {homes}\ngroups {groups}\n{roost.logs()}"

            wait_until(fanned_out, timeout=30, what="fan-out delivered the outage posts",
                       logs=state)  # fmt: skip
            client.close()

        for follower in followers:
            home = home_ids(base, follower)
            assert set(during) | {before} <= set(home), follower.username
            assert len(home) == len(set(home)), "no post twice"
        assert level(base) == 0

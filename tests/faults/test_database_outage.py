"""Fault 2: PostgreSQL unreachable (a TCP proxy the test owns cuts every connection).

Real ``roost serve --no-workers`` and ``roost worker`` reach the test's own database
only through the proxy; Redis is a server of the test's own. Followers have read their
home timelines and a status once (so Redis holds them). With the database cut off:
``GET /health`` reports level 3, cached home timelines and statuses are still served
(tokens from the process's token cache), every write (post, favourite, follow) gets 503
with a ``Retry-After`` header and leaves nothing in the database (counted straight
from PostgreSQL, not through the proxy). Restored: the level returns to 0 by itself
and a post made then reaches the followers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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
from tests.support.faults import RedisServer, TcpProxy

pytestmark = pytest.mark.e2e

FOLLOWERS = 2
TABLES = ("statuses", "outbox", "favourites", "follows", "notifications", "accounts")


@pytest.fixture
def pg_proxy() -> Iterator[TcpProxy]:
    with TcpProxy(5432) as proxy:
        yield proxy


def _counts(database_url: str) -> dict[str, int]:
    return {table: database_count(database_url, table) for table in TABLES}


def _writes(base: str, author: User, reader: User, status_id: str) -> list[httpx.Response]:
    """One of each kind of write a client makes."""
    return [
        post_status(base, author, "while the database is away"),
        httpx.post(f"{base}/api/v1/statuses/{status_id}/favourite", headers=reader.auth),
        httpx.post(f"{base}/api/v1/accounts/{author.id}/follow", headers=reader.auth),
    ]


def test_database_unreachable_serves_cached_reads_and_refuses_writes(
    tmp_path: Path, empty_postgres_url: str, own_redis: RedisServer, pg_proxy: TcpProxy
) -> None:
    database = empty_postgres_url.rsplit("/", 1)[1]
    with deployment(
        tmp_path,
        database_url=pg_proxy.postgres_url(database),
        redis_url=own_redis.url,
        **FAST_FAILURE_ENV,
    ) as roost:
        api, _ = roost.start("worker")
        assert api.url
        base = api.url

        token = app_token(base)
        author = sign_up(base, token, "author")
        followers = [sign_up(base, token, f"follower{n}") for n in range(FOLLOWERS)]
        stranger = sign_up(base, token, "stranger")  # follows nobody: a follow is a write
        for follower in followers:
            follow(base, follower, author)
        answer = post_status(base, author, "cached before the outage")
        assert answer.status_code == 200, answer.text
        status_id = str(answer.json()["id"])
        wait_until(
            lambda: all(status_id in home_ids(base, f) for f in followers),
            timeout=20, what="the post reaches every home", logs=roost.logs,
        )  # fmt: skip
        for user in [*followers, stranger]:
            assert httpx.get(f"{base}/api/v1/statuses/{status_id}", headers=user.auth).is_success
        wait_until(
            lambda: database_count(empty_postgres_url, "outbox") == 0,
            timeout=20, what="the outbox is drained", logs=roost.logs,
        )  # fmt: skip
        before = _counts(empty_postgres_url)

        pg_proxy.cut()
        for _ in range(3):
            for follower in followers:
                assert status_id in home_ids(base, follower), "cached home served"
                shown = httpx.get(f"{base}/api/v1/statuses/{status_id}", headers=follower.auth)
                assert shown.status_code == 200, shown.text
                assert shown.json()["id"] == status_id
            for refused in _writes(base, author, stranger, status_id):
                assert refused.status_code == 503, (refused.request.url, refused.text)
                assert int(refused.headers["Retry-After"]) >= 1
                assert "error" in refused.json()
        wait_until(lambda: level(base) == 3, timeout=10, what="GET /health reports level 3",
                   logs=roost.logs)  # fmt: skip
        assert _counts(empty_postgres_url) == before, "nothing written while cut off"

        pg_proxy.restore()
        wait_until(lambda: level(base) == 0, timeout=20, what="the level is back to 0",
                   logs=roost.logs)  # fmt: skip
        assert _counts(empty_postgres_url) == before, "no refused write came back later"
        after = post_status(base, author, "after the outage")
        assert after.status_code == 200, after.text
        after_id = str(after.json()["id"])
        wait_until(
            lambda: all(after_id in home_ids(base, f) for f in followers),
            timeout=20, what="a new post reaches every home", logs=roost.logs,
        )  # fmt: skip
        assert httpx.post(
            f"{base}/api/v1/accounts/{author.id}/follow", headers=stranger.auth
        ).is_success

"""Level 3 (database unreachable): a status served from the Redis caches obeys the same
visibility rules as one read from the database (``timelines/cached_reads.visible`` is a
second implementation of ``visible_to``, so it gets its own check).

PostgreSQL only by nature: the database is cut by a TCP proxy this test owns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from roost.settings import Settings
from tests.conftest import Actor
from tests.resilience.conftest import database_name, outage_settings
from tests.statuses.support import post, relate
from tests.support.faults import TcpProxy

HOME = "/api/v1/timelines/home"


@pytest.fixture
def pg_proxy() -> Any:
    with TcpProxy(5432) as proxy:
        yield proxy


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str, redis_url: str, pg_proxy: TcpProxy) -> Settings:
    return outage_settings(
        tmp_path,
        database_url=pg_proxy.postgres_url(database_name(postgres_url)),
        redis_url=redis_url,
    )


async def test_cached_statuses_keep_their_audience_while_the_database_is_down(
    client: httpx.AsyncClient,
    alice: Actor,
    bob: Actor,
    carol: Actor,
    make_actor: Any,
    pg_proxy: TcpProxy,
    drain: Any,
) -> None:
    mallory: Actor = await make_actor("mallory")
    await relate(carol, alice, "follow")
    await relate(alice, mallory, "block")
    public = await post(alice, "for everyone")
    private = await post(alice, "followers only", visibility="private")
    await drain()
    for viewer in (carol, bob, mallory):  # caches each viewer's relationships and the statuses
        assert (await viewer.get(HOME)).status_code == 200
    assert private["id"] in (await carol.get(HOME)).text

    pg_proxy.cut()
    try:

        async def status_code(viewer: Actor | httpx.AsyncClient, status_id: str) -> int:
            return (await viewer.get(f"/api/v1/statuses/{status_id}")).status_code

        assert await status_code(carol, private["id"]) == 200  # the positive control
        assert await status_code(client, public["id"]) == 200
        assert await status_code(bob, public["id"]) == 200
        assert await status_code(bob, private["id"]) == 404
        assert await status_code(client, private["id"]) == 404
        assert await status_code(mallory, public["id"]) == 404
        assert await status_code(mallory, private["id"]) == 404
    finally:
        pg_proxy.restore()

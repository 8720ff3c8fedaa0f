"""End to end: two real API processes sharing PostgreSQL and Redis; a client streaming from
one receives, within a second, what is written through the other, and replays what it
missed after reconnecting with Last-Event-ID."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.e2e.server import Server, roost_env, running_server
from tests.streaming.support import sse


@pytest.fixture
def two_servers(
    tmp_path: Path, empty_postgres_url: str, redis_url: str
) -> Iterator[tuple[Server, Server]]:
    prefix = f"roost-test-{uuid.uuid4().hex[:12]}"
    env = roost_env(
        tmp_path / "data",
        ROOST_DATABASE_URL=empty_postgres_url,
        ROOST_REDIS_URL=redis_url,
        ROOST_REDIS_PREFIX=prefix,
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    try:
        # A runs the workers; B only serves (and relays its outbox).
        with (
            running_server(env=env, cwd=tmp_path / "a") as a,
            running_server(env=env, cwd=tmp_path / "b", args=("--no-workers",)) as b,
        ):
            yield a, b
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
        client.close()


def _sign_up(base: str, app_token: str, username: str) -> tuple[str, str]:
    response = httpx.post(
        f"{base}/api/v1/accounts",
        headers={"Authorization": f"Bearer {app_token}"},
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": f"{username}-password-1",
            "agreement": True,
        },
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = httpx.get(
        f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    return token, str(me.json()["id"])


def _app_token(base: str) -> str:
    app = _post(
        base, "", "/api/v1/apps", client_name="e2e",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read write follow",
    )  # fmt: skip
    grant = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write follow",
        },
    )
    return str(grant.json()["access_token"])


def _post(base: str, token: str, path: str, **body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(f"{base}{path}", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_stream_from_one_process_sees_writes_through_another(
    two_servers: tuple[Server, Server],
) -> None:
    a, b = two_servers
    app_token = _app_token(b.url)
    alice_token, alice_id = _sign_up(b.url, app_token, "alice")
    bob_token, bob_id = _sign_up(b.url, app_token, "bob")

    async with sse(a.url, "/api/v1/streaming/user", token=bob_token) as stream:
        _post(b.url, bob_token, f"/api/v1/accounts/{alice_id}/follow")
        await asyncio.sleep(1.0)  # the follow reaches the workers before alice posts
        started = time.monotonic()
        status = _post(b.url, alice_token, "/api/v1/statuses", status="hello from B")
        update = await stream.next(wait=5)
        assert update.event == "update" and update.json()["id"] == status["id"]
        assert time.monotonic() - started < 1.0

        started = time.monotonic()
        _post(b.url, alice_token, f"/api/v1/statuses/{status['id']}/favourite")
        _post(b.url, alice_token, f"/api/v1/accounts/{bob_id}/follow")
        own = _post(b.url, bob_token, "/api/v1/statuses", status="bob's own")
        kinds: set[str] = set()
        last_id = update.id
        while not {"follow", "own"} <= kinds:
            event = await stream.next(wait=5)
            last_id = event.id
            if event.event == "notification":
                kinds.add(event.json()["type"])
            elif event.event == "update" and event.json()["id"] == own["id"]:
                kinds.add("own")
        assert time.monotonic() - started < 2.0
    missed = [
        _post(b.url, alice_token, "/api/v1/statuses", status=f"missed {n}")["id"] for n in range(2)
    ]
    await asyncio.sleep(1.5)
    headers = {"Last-Event-ID": str(last_id)}
    async with sse(a.url, "/api/v1/streaming/user", token=bob_token, headers=headers) as again:
        replayed = await again.updates_until(missed[-1])
        assert [event.json()["id"] for event in replayed] == missed

"""Cached access tokens: revocations reach every API process at once, expiry bounds the rest.

Two ``create_app`` instances sharing the database and the Redis prefix stand for two
API processes (each has its own token cache, as two processes would).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from roost.accounts.deletion import delete_account
from roost.app import create_app
from roost.db import Database
from roost.oauth import queries
from roost.oauth.secrets import digest
from roost.settings import Settings
from tests.conftest import Actor, TestApp

ME = "/api/v1/accounts/verify_credentials"

OVERRIDES: dict[str, dict[str, Any]] = {
    "test_cached_token_is_trusted_until_it_expires": {"token_cache_seconds": 0.5},
}


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    changes = OVERRIDES.get(request.node.originalname, {})
    return Settings(**{**settings.model_dump(), **changes}, _env_file=None)  # type: ignore[call-arg]


# Embedded Roost is one process: the in-process forget is all there is, so the
# broadcast tests run on the scaled-out deployment only (no skipped half).
scaled_out_only = pytest.mark.parametrize("backend", ["postgres"])


@pytest.fixture
async def other_app(app: Any, settings: Settings) -> AsyncIterator[Any]:
    """A second API process on the same database and Redis prefix."""
    second = create_app(settings)
    async with second.router.lifespan_context(second):
        for each in (app, second):
            await asyncio.wait_for(each.state.revocation_listener.subscribed.wait(), 5)
        yield second


@pytest.fixture
async def other_client(other_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as http:
        yield http


def bearer(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {actor.token}"}


async def refused_within(
    client: httpx.AsyncClient, actor: Actor, seconds: float, *, meanwhile: tuple[int, ...] = (200,)
) -> float:
    """How long until ``client`` refuses the actor's token (fails after ``seconds``)."""
    start = time.monotonic()
    while True:
        status = (await client.get(ME, headers=bearer(actor))).status_code
        elapsed = time.monotonic() - start
        if status == 401:
            return elapsed
        assert status in meanwhile
        assert elapsed < seconds, f"still accepted after {elapsed:.2f} s"
        await asyncio.sleep(0.02)


async def revoke_behind_the_caches_back(db: Database, actor: Actor) -> None:
    """Revoke in the database only, announcing nothing (as if the message was lost)."""
    async with db.write() as conn:
        row = await queries.find_token(conn, digest(actor.token))
        assert row is not None
        await queries.revoke_token_by_id(conn, row["id"])


@scaled_out_only
async def test_token_revoked_in_one_process_stops_working_in_another_within_a_second(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    alice: Actor,
    test_app: TestApp,
) -> None:
    assert (await other_client.get(ME, headers=bearer(alice))).status_code == 200  # B caches it
    response = await client.post(
        "/oauth/revoke",
        data={
            "client_id": test_app.client_id,
            "client_secret": test_app.client_secret,
            "token": alice.token,
        },
    )
    assert response.status_code == 200

    assert await refused_within(other_client, alice, 1.0) < 1.0


@scaled_out_only
async def test_account_deleted_in_one_process_loses_its_tokens_in_another(
    db: Database, other_client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    assert (await other_client.get(ME, headers=bearer(alice))).status_code == 200
    assert (await other_client.get(ME, headers=bearer(bob))).status_code == 200

    await delete_account(db=db, account_id=int(alice.id))

    # Until the message arrives B still trusts the token, but the account is gone (404).
    assert await refused_within(other_client, alice, 1.0, meanwhile=(200, 404)) < 1.0
    assert (await other_client.get(ME, headers=bearer(bob))).status_code == 200


@scaled_out_only
async def test_listener_that_lost_its_connection_clears_the_cache_when_back(
    settings: Settings,
    db: Database,
    other_app: Any,
    other_client: httpx.AsyncClient,
    alice: Actor,
) -> None:
    assert (await other_client.get(ME, headers=bearer(alice))).status_code == 200
    await revoke_behind_the_caches_back(db, alice)
    # Cached: B does not ask the database, so it does not know yet.
    assert (await other_client.get(ME, headers=bearer(alice))).status_code == 200

    listener = other_app.state.revocation_listener
    assert settings.redis_url
    redis = Redis.from_url(settings.redis_url)
    try:  # drop B's subscription connection, as a Redis restart would
        killed = 0
        for line in (await redis.execute_command("CLIENT", "LIST", "TYPE", "pubsub")).split(b"\n"):
            fields = dict(f.split(b"=", 1) for f in line.split() if b"=" in f)
            if fields.get(b"name", b"").decode() == f"{listener.channel}:listener":
                killed += await redis.execute_command("CLIENT", "KILL", "ID", fields[b"id"])
    finally:
        await redis.aclose()
    assert killed >= 1
    deadline = time.monotonic() + 5
    while listener.subscriptions < 2:
        assert time.monotonic() < deadline, "the listener did not resubscribe"
        await asyncio.sleep(0.02)

    assert (await other_client.get(ME, headers=bearer(alice))).status_code == 401


async def test_cached_token_is_trusted_until_it_expires(
    db: Database, client: httpx.AsyncClient, alice: Actor
) -> None:
    assert (await client.get(ME, headers=bearer(alice))).status_code == 200
    await revoke_behind_the_caches_back(db, alice)

    assert (await client.get(ME, headers=bearer(alice))).status_code == 200  # from the cache
    assert await refused_within(client, alice, 2.0) >= 0.2  # after token_cache_seconds (0.5)


def test_tokens_are_cached_for_minutes_by_default() -> None:
    assert Settings(_env_file=None).token_cache_seconds >= 300  # type: ignore[call-arg]

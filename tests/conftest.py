"""Shared fixtures: both deployments, the real ASGI app, and a named cast of users.

Every test that takes ``client`` (or a cast member) runs twice: embedded (a fresh
SQLite file, no Redis) and scaled out (a PostgreSQL database of its own plus the
shared Redis under a key prefix of its own). Outside CI a missing server skips
its half; with ``CI=true`` it fails instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from roost.accounts import passwords
from roost.accounts.service import create_account
from roost.app import create_app
from roost.db import Database
from roost.migrations.runner import upgrade_to_head
from roost.oauth import queries as oauth_queries
from roost.oauth.scopes import parse_scopes
from roost.oauth.secrets import digest, new_secret
from roost.oauth.service import issue_token
from roost.settings import Settings
from roost.tables import metadata

# argon2 at production cost makes every sign-up ~50 ms; tests need correctness, not cost.
passwords.configure(time_cost=1, memory_cost=1024)

PG_ADMIN_DSN = os.environ.get("ROOST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgres"]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


def _admin(sql: str) -> None:
    """Run one statement on the admin database (CREATE/DROP DATABASE run outside transactions)."""

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _create_database(name: str) -> str:
    """Create an empty database; its plain postgresql:// URL (skips or fails when unreachable)."""
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        _unavailable(f"PostgreSQL at {PG_ADMIN_DSN} is not reachable: {exc}")
    return f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"


def _drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """A database of this test session's own, migrated once, dropped at the end."""
    name = f"roost_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    plain_url = _create_database(name)
    url = plain_url.replace("postgresql://", "postgresql+asyncpg://")
    upgrade_to_head(url)
    yield url
    _drop_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies, so migrations run once per session."""
    path = tmp_path_factory.mktemp("sqlite-template") / "roost.sqlite3"
    upgrade_to_head(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings pointing at a clean database of the chosen backend."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, data_dir / "roost.sqlite3")
        # Rate limits are off for the suite (tests/protection turns them on explicitly).
        return Settings(
            data_dir=data_dir,
            database_url=None,
            rate_limits_enabled=False,
            _env_file=None,  # type: ignore[call-arg]
        )
    url: str = request.getfixturevalue("postgres_url")
    redis_url: str = request.getfixturevalue("redis_url")
    return Settings(
        data_dir=data_dir,
        database_url=url.replace("postgresql+asyncpg://", "postgresql://"),
        redis_url=redis_url,
        # The shared Redis is never flushed: each test owns the keys under its prefix.
        redis_prefix=f"roost-test-{uuid.uuid4().hex[:12]}",
        rate_limits_enabled=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared Redis server; the scaled-out deployment (PostgreSQL half) needs it."""
    import redis

    url = os.environ.get("ROOST_TEST_REDIS", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {url} is not reachable: {exc}")
    return url


async def _delete_redis_prefix(settings: Settings) -> None:
    from redis.asyncio import Redis

    assert settings.redis_url
    client = Redis.from_url(settings.redis_url)
    try:
        async for key in client.scan_iter(match=f"{settings.redis_prefix}:*", count=1000):
            await client.delete(key)
    finally:
        await client.aclose()


async def _truncate_postgres(db: Database) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    async with db.write() as conn:
        await conn.execute(text(f"TRUNCATE {names} CASCADE"))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The real ASGI app with its lifespan running, on a clean database."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        if not application.state.roost.db.is_sqlite:
            await _truncate_postgres(application.state.roost.db)
        yield application
    if settings.redis_url:
        await _delete_redis_prefix(settings)


@pytest.fixture
def db(app: Any) -> Database:
    database: Database = app.state.roost.db
    return database


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An anonymous client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as http:
        yield http


@pytest.fixture
def drain(app: Any) -> Any:
    """``await drain()`` runs every worker queue in-process until nothing is left.

    Deterministic on both deployments: scaled out it relays the outbox and reads every
    consumer group to the end (re-claiming pending entries at once); embedded it drains
    the outbox table. Returns the number of deliveries made. ``registry=`` runs the
    handlers of another ``roost.workers.registry.Registry`` instead of the real ones.
    """
    from roost.workers.bus import worker_context
    from roost.workers.runtime import drain as drain_workers

    async def run(*, registry: Any = None) -> int:
        state = app.state.roost
        ctx = worker_context(
            settings=state.settings, db=state.db, redis=state.redis, keys=state.keys
        )
        return await drain_workers(ctx, registry=registry)

    return run


@dataclass
class Actor:
    """A cast member: an account with a full-scope token and helpers that send it."""

    username: str
    id: str
    token: str
    http: httpx.AsyncClient

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(url, headers=self.auth, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(url, headers=self.auth, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.patch(url, headers=self.auth, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.put(url, headers=self.auth, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.delete(url, headers=self.auth, **kwargs)


@dataclass
class TestApp:
    """The OAuth application the cast's tokens belong to."""

    id: int
    client_id: str
    client_secret: str


@pytest.fixture
async def test_app(db: Database) -> TestApp:
    client_id, client_secret = new_secret(), new_secret()
    async with db.write() as conn:
        app_id = await oauth_queries.insert_application(
            conn,
            name="Roost tests",
            website=None,
            redirect_uris="urn:ietf:wg:oauth:2.0:oob",
            scopes="read write follow push",
            client_id=client_id,
            client_secret_hash=digest(client_secret),
        )
    return TestApp(id=app_id, client_id=client_id, client_secret=client_secret)


@pytest.fixture
def make_actor(db: Database, client: httpx.AsyncClient, test_app: TestApp) -> Any:
    """Factory: ``await make_actor("dave", scopes="read")`` creates an account and a token."""

    async def make(username: str, *, scopes: str = "read write follow push") -> Actor:
        async with db.write() as conn:
            account_id = await create_account(
                conn,
                username=username,
                email=f"{username}@example.com",
                password=f"{username}-password",
            )
            issued = await issue_token(
                conn,
                application_id=test_app.id,
                account_id=account_id,
                scopes=parse_scopes(scopes),
            )
        return Actor(username=username, id=str(account_id), token=issued.token, http=client)

    return make


@pytest.fixture
async def alice(make_actor: Any) -> Actor:
    return await make_actor("alice")  # type: ignore[no-any-return]


@pytest.fixture
async def bob(make_actor: Any) -> Actor:
    return await make_actor("bob")  # type: ignore[no-any-return]


@pytest.fixture
async def carol(make_actor: Any) -> Actor:
    return await make_actor("carol")  # type: ignore[no-any-return]


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database of the test's own; its plain postgresql:// URL.

    For tests that run Roost's own set-up (migrations, ``roost serve``) from nothing.
    """
    name = f"roost_fresh_{uuid.uuid4().hex[:12]}"
    url = _create_database(name)
    try:
        yield url
    finally:
        _drop_database(name)

"""Write a generated network straight into the configured database, in bulk.

Notes on design: the rows go in with SQLAlchemy Core ``insert(table)`` and a list of
parameter sets (executemany: asyncpg's pipelined executemany on PostgreSQL, sqlite3's
on SQLite), 5,000 rows per transaction, in foreign-key order and, within a table, in
time order (a reblog's original is always written before it). Nothing goes through
HTTP or the services: the counters are computed by the generator with the services'
rules and written once.

Every seeded account has the same password, ``BENCH_PASSWORD``, hashed ONCE with
argon2id (hashing 10,000 passwords would take minutes and measure nothing). Each account
gets one access token of one "Roost bench" application; the tokens are written to a
tokens file (``account_id<TAB>username<TAB>active<TAB>token``) for the load generator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Table, func, insert, select, text

from roost.accounts.passwords import hash_password
from roost.accounts.schema import accounts, follows
from roost.bench.graph import Network, to_datetime
from roost.db import Database
from roost.ids import id_at
from roost.oauth.schema import access_tokens, applications
from roost.oauth.secrets import digest, new_secret
from roost.settings import Settings
from roost.statuses.schema import favourites, mentions, status_tags, statuses, tags
from roost.statuses.text import format_status
from roost.tables import metadata

BATCH = 5000
BENCH_PASSWORD = "roost-bench-password"
TOKEN_SCOPES = "read write follow push"


@dataclass(frozen=True)
class SeedResult:
    accounts: int
    follows: int
    statuses: int
    favourites: int
    tokens_file: Path


class NotEmpty(Exception):
    """The database already holds accounts (seed into an empty one, or pass --reset)."""


async def reset_database(db: Database) -> None:
    """Delete every row of every Roost table (bench databases only)."""
    async with db.write() as conn:
        if db.dialect == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(table.delete())


async def write_network(
    network: Network,
    *,
    db: Database,
    settings: Settings,
    tokens_file: Path,
    console: Console,
) -> SeedResult:
    """Insert the network, its app and tokens; write the tokens file."""
    async with db.read() as conn:
        existing = (await conn.execute(select(func.count()).select_from(accounts))).scalar_one()
    if existing:
        raise NotEmpty(f"the database already has {existing} accounts")
    password_hash = hash_password(BENCH_PASSWORD)  # once, for every seeded account
    now = to_datetime(network.now_ms)
    app_id = _app_id(network)
    tokens = [new_secret() for _ in network.accounts]
    tags_by_name = {
        name: index
        for index, name in enumerate(sorted({t for s in network.statuses for t in s.tags}))
    }
    tag_ids = {name: _tag_id(network, position) for name, position in tags_by_name.items()}

    tables: list[tuple[str, Table, int, Callable[[], Iterable[dict[str, Any]]]]] = [
        ("accounts", accounts, len(network.accounts), lambda: _accounts(network, password_hash)),
        ("applications", applications, 1, lambda: [_application(app_id, now)]),
        (
            "access tokens",
            access_tokens,
            len(tokens),
            lambda: _tokens(network, tokens, app_id, now),
        ),
        ("follows", follows, len(network.follows), lambda: _follows(network)),
        ("tags", tags, len(tag_ids), lambda: _tags(tag_ids, now)),
        (
            "statuses",
            statuses,
            len(network.statuses),
            lambda: _statuses(network, settings, app_id),
        ),
        ("mentions", mentions, _count_mentions(network), lambda: _mentions(network)),
        (
            "status tags",
            status_tags,
            sum(len(s.tags) for s in network.statuses),
            lambda: _status_tags(network, tag_ids),
        ),
        ("favourites", favourites, len(network.favourites), lambda: _favourites(network)),
    ]
    columns = (
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        for label, table, total, rows in tables:
            task = progress.add_task(label, total=total)
            for batch in _batches(rows(), BATCH):
                async with db.write() as conn:
                    await conn.execute(insert(table), batch)
                progress.advance(task, len(batch))
    if db.dialect == "postgresql":
        async with db.write() as conn:
            await conn.execute(text("ANALYZE"))
    _write_tokens(tokens_file, network, tokens)
    return SeedResult(
        accounts=len(network.accounts),
        follows=len(network.follows),
        statuses=len(network.statuses),
        favourites=len(network.favourites),
        tokens_file=tokens_file,
    )


def _app_id(network: Network) -> int:
    # Minted at "now": later than every seeded row, unique among them.
    return id_at(network.now_ms) + 0xFFF0


def _tag_id(network: Network, position: int) -> int:
    return id_at(network.now_ms - network.shape.days * 86_400_000 - 1) + position


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _accounts(network: Network, password_hash: str) -> Iterable[dict[str, Any]]:
    for account in network.accounts:
        yield {
            "id": account.id,
            "username": account.username,
            "username_key": account.username.lower(),
            "email": f"{account.username}@bench.example",
            "password_hash": password_hash,
            "display_name": f"User {account.index}",
            "note": "",
            "locked": False,
            "bot": False,
            "discoverable": True,
            "approved": True,
            "created_at": to_datetime(account.created_ms),
            "last_status_at": (
                to_datetime(account.last_status_ms) if account.last_status_ms else None
            ),
            "last_active_at": (
                to_datetime(account.last_active_ms) if account.last_active_ms else None
            ),
            "followers_count": account.followers_count,
            "following_count": account.following_count,
            "statuses_count": account.statuses_count,
        }


def _application(app_id: int, now: Any) -> dict[str, Any]:
    return {
        "id": app_id,
        "name": "Roost bench",
        "website": None,
        "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": TOKEN_SCOPES,
        "client_id": new_secret(),
        "client_secret_hash": digest(new_secret()),
        "created_at": now,
    }


def _tokens(
    network: Network, tokens: Sequence[str], app_id: int, now: Any
) -> Iterable[dict[str, Any]]:
    for account, token in zip(network.accounts, tokens, strict=True):
        yield {
            "id": account.id + 1,  # the account's id + 1: unique, and never an account's own
            "token_hash": digest(token),
            "application_id": app_id,
            "account_id": account.id,
            "scopes": TOKEN_SCOPES,
            "created_at": now,
            "revoked_at": None,
        }


def _follows(network: Network) -> Iterable[dict[str, Any]]:
    ids = [account.id for account in network.accounts]
    for follow_id, follower, target, ms in network.follows:
        yield {
            "id": follow_id,
            "account_id": ids[follower],
            "target_account_id": ids[target],
            "created_at": to_datetime(ms),
            "show_reblogs": True,
            "notify": False,
        }


def _tags(tag_ids: dict[str, int], now: Any) -> Iterable[dict[str, Any]]:
    for name, tag_id in tag_ids.items():
        yield {"id": tag_id, "name": name, "name_key": name.lower(), "created_at": now}


def _statuses(network: Network, settings: Settings, app_id: int) -> Iterable[dict[str, Any]]:
    ids = [account.id for account in network.accounts]
    for status in network.statuses:
        parent = network.statuses[status.in_reply_to] if status.in_reply_to is not None else None
        reblog = network.statuses[status.reblog_of] if status.reblog_of is not None else None
        content = ""
        if reblog is None:
            usernames = {}
            if status.mention is not None:
                name = network.accounts[status.mention].username
                usernames[name.lower()] = name
            content = format_status(
                status.text,
                base_url=settings.base_url,
                instance_domain=settings.instance_domain,
                local_usernames=usernames,
            ).html
        yield {
            "id": status.id,
            "account_id": ids[status.account],
            "text": status.text,
            "content": content,
            "spoiler_text": "",
            "visibility": status.visibility,
            "sensitive": False,
            "language": None if reblog is not None else "en",
            "in_reply_to_id": parent.id if parent is not None else None,
            "in_reply_to_account_id": ids[parent.account] if parent is not None else None,
            "reblog_of_id": reblog.id if reblog is not None else None,
            "application_id": app_id,
            "created_at": to_datetime(status.created_ms),
            "edited_at": None,
            "replies_count": status.replies_count,
            "reblogs_count": status.reblogs_count,
            "favourites_count": status.favourites_count,
        }


def _count_mentions(network: Network) -> int:
    return sum(1 for status in network.statuses if status.mention is not None)


def _mentions(network: Network) -> Iterable[dict[str, Any]]:
    for status in network.statuses:
        if status.mention is not None:
            yield {
                "id": status.id,  # one mention per status: the status id is free to reuse
                "status_id": status.id,
                "account_id": network.accounts[status.mention].id,
            }


def _status_tags(network: Network, tag_ids: dict[str, int]) -> Iterable[dict[str, Any]]:
    for status in network.statuses:
        for name in status.tags:
            yield {"tag_id": tag_ids[name], "status_id": status.id}


def _favourites(network: Network) -> Iterable[dict[str, Any]]:
    ids = [account.id for account in network.accounts]
    for favourite_id, account, target, ms in network.favourites:
        yield {
            "id": favourite_id,
            "account_id": ids[account],
            "status_id": network.statuses[target].id,
            "created_at": to_datetime(ms),
        }


def _write_tokens(path: Path, network: Network, tokens: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{account.id}\t{account.username}\t{int(account.active)}\t{token}\n"
        for account, token in zip(network.accounts, tokens, strict=True)
    ]
    path.write_text("".join(lines))
    path.chmod(0o600)


async def seed_database(
    *,
    settings: Settings,
    network: Network,
    tokens_file: Path,
    reset: bool,
    console: Console,
) -> SeedResult:
    """Optionally empty the database, then write the network (one engine, closed after)."""
    db = Database(settings.sqlalchemy_url, pool_size=2)
    try:
        if reset:
            await reset_database(db)
            await _delete_redis_keys(settings, console)
        return await write_network(
            network, db=db, settings=settings, tokens_file=tokens_file, console=console
        )
    finally:
        await db.dispose()


async def _delete_redis_keys(settings: Settings, console: Console) -> None:
    """Drop this instance's keys (its own prefix only; never a flush of the shared server)."""
    from roost.cache.redis_client import create_redis

    redis = create_redis(settings)
    if redis is None:
        return
    deleted = 0
    try:
        async for key in redis.scan_iter(match=f"{settings.redis_prefix}:*", count=1000):
            deleted += await redis.delete(key)
    finally:
        await redis.aclose()
    console.print(f"Deleted {deleted} Redis keys under {settings.redis_prefix}:*")

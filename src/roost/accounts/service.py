"""Use cases for accounts: registration and sign-in."""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict, dataclass

from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts import queries
from roost.accounts.passwords import hash_password, verify_password
from roost.db import Database
from roost.errors import FieldErrors, NotFound, Validation

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def create_account(
    conn: AsyncConnection,
    *,
    username: str,
    email: str,
    password: str,
    approved: bool = True,
    password_min_length: int = 8,
) -> int:
    """Create a local account inside the caller's transaction; returns its id."""
    if not USERNAME_PATTERN.match(username):
        raise Validation("Validation failed: Username must contain only letters, numbers and _")
    if not EMAIL_PATTERN.match(email):
        raise Validation("Validation failed: Email is invalid")
    if len(password) < password_min_length:
        raise Validation("Validation failed: Password is too short")
    if await queries.find_account_by_username(conn, username) is not None:
        raise Validation("Validation failed: Username has already been taken")
    if await queries.find_account_by_email(conn, email) is not None:
        raise Validation("Validation failed: Email has already been taken")
    try:
        async with conn.begin_nested():
            return await queries.insert_account(
                conn,
                username=username,
                email=email,
                # argon2 takes tens of milliseconds of CPU: keep it off the event loop.
                password_hash=await asyncio.to_thread(hash_password, password),
                approved=approved,
            )
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Validation("Validation failed: Username or email has already been taken") from exc


async def check_credentials(
    conn: AsyncConnection, *, login: str, password: str
) -> RowMapping | None:
    """The account for an email (or username) and password, or None; same cost either way."""
    account = await queries.find_account_by_email(conn, login)
    if account is None:
        account = await queries.find_account_by_username(conn, login)
    password_hash = account["password_hash"] if account is not None else None
    if not await asyncio.to_thread(verify_password, password_hash, password):
        return None
    return account


DISPLAY_NAME_LIMIT = 30  # Mastodon's Account::DISPLAY_NAME_LENGTH_LIMIT
NOTE_LIMIT = 500  # Mastodon's Account::NOTE_LENGTH_LIMIT


@dataclass(frozen=True)
class ProfileChanges:
    """What PATCH update_credentials may change; None leaves a field as it is."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None


async def find_own_account(*, db: Database, account_id: int) -> RowMapping:
    """The signed-in user's account row (verify_credentials)."""
    async with db.read() as conn:
        row = await queries.find_account(conn, account_id)
    if row is None:
        raise NotFound()
    return row


async def update_profile(*, db: Database, account_id: int, changes: ProfileChanges) -> RowMapping:
    """Apply a user's profile edits, all or nothing; returns the updated account."""
    details: dict[str, list[dict[str, str]]] = {}
    if changes.display_name is not None and len(changes.display_name) > DISPLAY_NAME_LIMIT:
        details["display_name"] = [
            {"error": "ERR_TOO_LONG", "description": "is too long (maximum is 30 characters)"}
        ]
    if changes.note is not None and len(changes.note) > NOTE_LIMIT:
        details["note"] = [
            {"error": "ERR_TOO_LONG", "description": "is too long (maximum is 500 characters)"}
        ]
    if details:
        sentences = [
            f"{name.replace('_', ' ').capitalize()} {problem['description']}"
            for name, problems in details.items()
            for problem in problems
        ]
        raise FieldErrors("Validation failed: " + ", ".join(sentences), details=details)
    values = {name: value for name, value in asdict(changes).items() if value is not None}
    async with db.write() as conn:
        if values:
            await queries.update_account_profile(conn, account_id, values)
        row = await queries.find_account(conn, account_id)
    if row is None:
        raise NotFound()
    return row

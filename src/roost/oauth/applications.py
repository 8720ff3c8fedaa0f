"""Use cases for OAuth client applications: register one, authenticate one.

Client secrets are shown once, at registration, and stored as SHA-256 digests;
authentication compares digests with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import Database
from roost.errors import NotFound, Validation
from roost.oauth import queries
from roost.oauth.scopes import format_scopes, parse_scopes, unknown_scopes
from roost.oauth.secrets import digest, new_secret

OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"
NAME_LIMIT = 60  # Mastodon's APP_NAME_LIMIT
URI_LIMIT = 2000  # Mastodon's APP_REDIRECT_URI_LIMIT and APP_WEBSITE_LIMIT
# Compared against when the client id is unknown, so both failures cost the same.
_DUMMY_DIGEST = digest("roost-no-such-client")


@dataclass(frozen=True)
class RegisteredApplication:
    row: RowMapping
    client_secret: str  # shown to the client once, never stored


def redirect_uri_list(stored: str) -> list[str]:
    """The redirect URIs of an application, as registered (newline separated)."""
    return stored.split()


def _redirect_uri_problem(uri: str) -> str | None:
    if uri == OOB_REDIRECT_URI:
        return None
    if len(uri) > URI_LIMIT:
        return f"Redirect URI is too long (maximum is {URI_LIMIT} characters)"
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "Redirect URI must be a valid URI."
    if not parts.scheme or not (parts.netloc or parts.path):
        return "Redirect URI must be an absolute URI."
    if parts.fragment or "#" in uri:
        return "Redirect URI cannot contain a fragment."
    return None


def _website_problem(website: str) -> str | None:
    if len(website) > URI_LIMIT:
        return f"Website is too long (maximum is {URI_LIMIT} characters)"
    try:
        parts = urlsplit(website)
    except ValueError:
        return "Website is invalid"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "Website is invalid"
    return None


async def register_application(
    *,
    db: Database,
    name: str | None,
    redirect_uris: list[str],
    scopes: str | None,
    website: str | None,
) -> RegisteredApplication:
    """Register a client app so it can ask users for tokens (POST /api/v1/apps)."""
    name = (name or "").strip()
    uris = [uri for value in redirect_uris for uri in value.split()]
    requested = parse_scopes(scopes)
    website = (website or "").strip() or None
    problems: list[str] = []
    if not name:
        problems.append("Name can't be blank")
    elif len(name) > NAME_LIMIT:
        problems.append(f"Name is too long (maximum is {NAME_LIMIT} characters)")
    if not uris:
        problems.append("Redirect URI can't be blank")
    problems.extend(p for p in (_redirect_uri_problem(uri) for uri in uris) if p is not None)
    if unknown_scopes(requested):
        problems.append("Scopes doesn't match configured on the server.")
    if website is not None and (problem := _website_problem(website)) is not None:
        problems.append(problem)
    if problems:
        raise Validation("Validation failed: " + ", ".join(dict.fromkeys(problems)))
    client_secret = new_secret()
    async with db.write() as conn:
        application_id = await queries.insert_application(
            conn,
            name=name,
            website=website,
            redirect_uris="\n".join(dict.fromkeys(uris)),
            scopes=format_scopes(requested),
            client_id=new_secret(),
            client_secret_hash=digest(client_secret),
        )
        row = await queries.find_application(conn, application_id)
    assert row is not None
    return RegisteredApplication(row=row, client_secret=client_secret)


async def authenticate_client(
    conn: AsyncConnection, *, client_id: str | None, client_secret: str | None
) -> RowMapping | None:
    """The application whose id and secret these are, or None; constant-time on the secret."""
    row = await queries.find_application_by_client_id(conn, client_id) if client_id else None
    expected = row["client_secret_hash"] if row is not None else _DUMMY_DIGEST
    matches = hmac.compare_digest(digest(client_secret or ""), expected)
    return row if row is not None and matches and client_secret else None


async def find_client(conn: AsyncConnection, *, client_id: str | None) -> RowMapping | None:
    """The application with this public client id (the authorize page needs no secret)."""
    if not client_id:
        return None
    return await queries.find_application_by_client_id(conn, client_id)


async def get_application(*, db: Database, application_id: int) -> RowMapping:
    """The application behind a token (GET /api/v1/apps/verify_credentials)."""
    async with db.read() as conn:
        row = await queries.find_application(conn, application_id)
    if row is None:
        raise NotFound()
    return row

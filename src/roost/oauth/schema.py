"""Tables for OAuth applications, authorization codes and access tokens.

Secrets (client secrets, codes, tokens) are stored only as SHA-256 digests: they
are 256-bit random values, so a fast hash is enough and a leaked table grants
nothing.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text

from roost.db.metadata import UTCDateTime, metadata

applications = Table(
    "applications",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("website", String(2000), nullable=True),
    Column("redirect_uris", Text, nullable=False),  # newline-separated, as Mastodon keeps them
    Column("scopes", String(1000), nullable=False),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("client_secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

authorization_codes = Table(
    "oauth_authorization_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column(
        "application_id",
        BigInteger,
        ForeignKey("applications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("redirect_uri", String(2000), nullable=False),
    Column("scopes", String(1000), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)

access_tokens = Table(
    "oauth_access_tokens",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column(
        "application_id",
        BigInteger,
        ForeignKey("applications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # NULL for client_credentials tokens, which act for the app and no user.
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True),
    Column("scopes", String(1000), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)
Index("ix_oauth_access_tokens_account_id", access_tokens.c.account_id)

"""Tables for accounts and the relationships between them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from roost.db.metadata import UTCDateTime, metadata

accounts = Table(
    "accounts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("username", String(30), nullable=False),
    # Lower-cased username: uniqueness and lookups ignore case, as Mastodon's do.
    Column("username_key", String(30), nullable=False, unique=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
    Column("password_hash", String(255), nullable=False),
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("locked", Boolean, nullable=False, server_default="0"),
    Column("bot", Boolean, nullable=False, server_default="0"),
    Column("discoverable", Boolean, nullable=False, server_default="1"),
    Column("approved", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_status_at", UTCDateTime, nullable=True),
    # Last authenticated request (coarse): fan-out skips accounts idle for longer
    # than settings.active_days and rebuilds their home when they come back.
    Column("last_active_at", UTCDateTime, nullable=True),
    Column("followers_count", Integer, nullable=False, server_default="0"),
    Column("following_count", Integer, nullable=False, server_default="0"),
    Column("statuses_count", Integer, nullable=False, server_default="0"),
)


def _relationship_table(name: str, *extra: Column[Any]) -> Table:
    """A directed edge account → target, unique per pair, listable both ways by id."""
    table = Table(
        name,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=False),
        Column(
            "account_id",
            BigInteger,
            ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column(
            "target_account_id",
            BigInteger,
            ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("created_at", UTCDateTime, nullable=False),
        *extra,
        UniqueConstraint("account_id", "target_account_id"),
    )
    Index(f"ix_{name}_account_id_id", table.c.account_id, table.c.id)
    Index(f"ix_{name}_target_account_id_id", table.c.target_account_id, table.c.id)
    return table


follows = _relationship_table(
    "follows",
    Column("show_reblogs", Boolean, nullable=False, server_default="1"),
    Column("notify", Boolean, nullable=False, server_default="0"),
)
follow_requests = _relationship_table(
    "follow_requests",
    Column("show_reblogs", Boolean, nullable=False, server_default="1"),
    Column("notify", Boolean, nullable=False, server_default="0"),
)
blocks = _relationship_table("blocks")
mutes = _relationship_table(
    "mutes",
    Column("hide_notifications", Boolean, nullable=False, server_default="1"),
)

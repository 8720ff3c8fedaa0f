"""Tables for statuses and what hangs off them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from roost.db.metadata import UTCDateTime, metadata

statuses = Table(
    "statuses",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False, server_default=""),  # the source the author typed
    Column("content", Text, nullable=False, server_default=""),  # escaped, linkified HTML
    Column("spoiler_text", Text, nullable=False, server_default=""),
    Column("visibility", String(10), nullable=False),  # public, unlisted, private, direct
    Column("sensitive", Boolean, nullable=False, server_default="0"),
    Column("language", String(10), nullable=True),
    # Replies keep pointing at a deleted parent, as Mastodon's do: no foreign key.
    Column("in_reply_to_id", BigInteger, nullable=True),
    Column("in_reply_to_account_id", BigInteger, nullable=True),
    # A reblog goes when the status it shares goes.
    Column(
        "reblog_of_id",
        BigInteger,
        ForeignKey("statuses.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("application_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime, nullable=True),
    Column("replies_count", Integer, nullable=False, server_default="0"),
    Column("reblogs_count", Integer, nullable=False, server_default="0"),
    Column("favourites_count", Integer, nullable=False, server_default="0"),
    # One reblog per account and status (NULLs are distinct, so originals are unaffected).
    UniqueConstraint("account_id", "reblog_of_id"),
)
Index("ix_statuses_account_id_id", statuses.c.account_id, statuses.c.id)
Index("ix_statuses_in_reply_to_id", statuses.c.in_reply_to_id)
Index("ix_statuses_reblog_of_id", statuses.c.reblog_of_id)
Index("ix_statuses_visibility_id", statuses.c.visibility, statuses.c.id)

mentions = Table(
    "mentions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("status_id", BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("status_id", "account_id"),
)
Index("ix_mentions_account_id_status_id", mentions.c.account_id, mentions.c.status_id)

tags = Table(
    "tags",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("name_key", String(100), nullable=False, unique=True),  # lower-cased
    Column("created_at", UTCDateTime, nullable=False),
)

status_tags = Table(
    "status_tags",
    metadata,
    Column("tag_id", BigInteger, ForeignKey("tags.id", ondelete="CASCADE"), nullable=False),
    Column("status_id", BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("tag_id", "status_id"),
)
Index("ix_status_tags_status_id", status_tags.c.status_id)

favourites = Table(
    "favourites",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("status_id", BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "status_id"),
)
Index("ix_favourites_status_id_id", favourites.c.status_id, favourites.c.id)
Index("ix_favourites_account_id_id", favourites.c.account_id, favourites.c.id)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("status_id", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("account_id", "key"),
)

"""Hashtags an account follows."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Table, UniqueConstraint

from roost.db.metadata import UTCDateTime, metadata

tag_follows = Table(
    "tag_follows",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("tag_id", BigInteger, ForeignKey("tags.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "tag_id"),
)
Index("ix_tag_follows_account_id_id", tag_follows.c.account_id, tag_follows.c.id)

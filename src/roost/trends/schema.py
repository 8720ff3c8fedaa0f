"""Hour and day buckets for trending hashtags and statuses, kept by the ``trends`` worker.

Notes on design: a worker adds each use or engagement to its bucket once; the rows that
record what was already counted (``trend_tag_uses``, ``trend_tag_accounts``,
``trend_status_engagements``) have natural primary keys, so a redelivered event meets a
conflict and changes no counter. Reading a trend reads only the buckets of the window.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from roost.db.metadata import metadata

HOUR = "h"
DAY = "d"


def _tag_id() -> Column[int]:
    return Column("tag_id", BigInteger, ForeignKey("tags.id", ondelete="CASCADE"), nullable=False)


# One row per (tag, status): the use was counted.
trend_tag_uses = Table(
    "trend_tag_uses",
    metadata,
    _tag_id(),
    Column("status_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("tag_id", "status_id"),
)

# Accounts that used a tag in a bucket (``span`` h or d, ``start`` = epoch hour or day).
trend_tag_accounts = Table(
    "trend_tag_accounts",
    metadata,
    _tag_id(),
    Column("span", String(1), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("account_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("tag_id", "span", "start", "account_id"),
)

trend_tag_buckets = Table(
    "trend_tag_buckets",
    metadata,
    _tag_id(),
    Column("span", String(1), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("uses", Integer, nullable=False, server_default="0"),
    Column("accounts", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("tag_id", "span", "start"),
)
Index("ix_trend_tag_buckets_span_start", trend_tag_buckets.c.span, trend_tag_buckets.c.start)

# One row per (status, account, kind): a favourite or reblog was counted.
trend_status_engagements = Table(
    "trend_status_engagements",
    metadata,
    Column("status_id", BigInteger, nullable=False),
    Column("account_id", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),
    PrimaryKeyConstraint("status_id", "account_id", "kind"),
)

trend_status_buckets = Table(
    "trend_status_buckets",
    metadata,
    Column("status_id", BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("engagements", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("status_id", "start"),
)
Index("ix_trend_status_buckets_start", trend_status_buckets.c.start)

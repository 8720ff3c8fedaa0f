"""Tables for notifications and the per-timeline read markers."""

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
    UniqueConstraint,
)

from roost.db.metadata import UTCDateTime, metadata

notifications = Table(
    "notifications",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    # The recipient.
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # follow, follow_request, favourite, reblog, mention, status
    Column("type", String(20), nullable=False),
    Column(
        "from_account_id",
        BigInteger,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # No foreign key: the status.deleted worker removes these rows and announces each
    # removal, which a cascade would do silently. Reads skip rows whose status is gone.
    Column("status_id", BigInteger, nullable=True),
    # "<type>:<from_account_id>:<status_id or 0>": one notification per activity, so a
    # redelivered event inserts nothing (NULL status ids would not collide in a unique key).
    Column("activity_key", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "activity_key"),
)
Index("ix_notifications_account_id_id", notifications.c.account_id, notifications.c.id)
Index("ix_notifications_status_id", notifications.c.status_id)

markers = Table(
    "markers",
    metadata,
    Column("account_id", BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("timeline", String(20), nullable=False),  # home, notifications
    Column("last_read_id", BigInteger, nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("account_id", "timeline"),
)

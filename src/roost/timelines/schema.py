"""Tables of the embedded home-timeline store (the SQLite twin of the Redis timelines).

``home_feeds`` has one row per materialized home timeline (the "timeline exists"
marker, like the Redis key), with ``floor_id``: the store is complete for status ids
above it (older ones come from the database query) and ``size``, the number of
entries, so trimming to the cap needs no COUNT. ``home_feed_entries`` holds the ids.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, PrimaryKeyConstraint, Table

from roost.db.metadata import UTCDateTime, metadata

home_feeds = Table(
    "home_feeds",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("floor_id", BigInteger, nullable=False, server_default="0"),
    Column("size", Integer, nullable=False, server_default="0"),
    Column("built_at", UTCDateTime, nullable=False),
)

home_feed_entries = Table(
    "home_feed_entries",
    metadata,
    Column("account_id", BigInteger, nullable=False),
    Column("status_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("account_id", "status_id"),
)

"""The outbox: events written in the same transaction as the change they describe."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from roost.db.metadata import UTCDateTime, metadata

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),  # JSON object
    Column("created_at", UTCDateTime, nullable=False),
    # Embedded deployments drain the outbox directly: failed attempts and the last error.
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    # Embedded: not before this time (retry backoff, or a drainer's lease on a claimed row).
    Column("available_at", UTCDateTime, nullable=True),
    # W3C trace context (JSON: traceparent, tracestate, request_id) of the recording request,
    # so the worker handling the event continues its trace (roost.observability).
    Column("trace_context", Text, nullable=True),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", BigInteger, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
)
Index("ix_dead_letters_event_id", dead_letters.c.event_id)

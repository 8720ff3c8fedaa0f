"""The media_attachments table.

Notes on design: ``status_id`` and ``account_id`` carry no foreign keys on purpose.
When a status (or an account) is deleted, the rows must outlive it until the media
worker has removed their files: a cascade would delete the rows and leave the
files orphaned with nothing pointing at them. The worker deletes the rows itself.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String, Table, Text

from roost.db.metadata import UTCDateTime, metadata

media_attachments = Table(
    "media_attachments",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),  # the uploader
    Column("status_id", BigInteger, nullable=True),  # NULL until attached to a status
    Column("position", Integer, nullable=True),  # order within the status (media_ids order)
    Column("type", String(10), nullable=False, server_default="image"),
    Column("state", String(12), nullable=False),  # processing, ready, failed
    Column("content_type", String(40), nullable=True),  # of the stored original
    Column("file_key", String(200), nullable=True),  # storage keys, content-addressed
    Column("small_key", String(200), nullable=True),
    Column("upload_key", String(200), nullable=True),  # raw upload awaiting the worker
    Column("file_size", Integer, nullable=True),
    Column("meta", JSON, nullable=True),
    Column("blurhash", String(100), nullable=True),
    Column("description", Text, nullable=True),
    Column("focus_x", Float, nullable=False, server_default="0"),
    Column("focus_y", Float, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_media_attachments_status_id", media_attachments.c.status_id)
Index("ix_media_attachments_account_id_id", media_attachments.c.account_id, media_attachments.c.id)
Index("ix_media_attachments_file_key", media_attachments.c.file_key)
Index("ix_media_attachments_small_key", media_attachments.c.small_key)

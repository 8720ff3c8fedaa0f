"""media attachments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_attachments",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=10), server_default="image", nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=True),
        sa.Column("file_key", sa.String(length=200), nullable=True),
        sa.Column("small_key", sa.String(length=200), nullable=True),
        sa.Column("upload_key", sa.String(length=200), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("blurhash", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("focus_x", sa.Float(), server_default="0", nullable=False),
        sa.Column("focus_y", sa.Float(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_attachments")),
    )
    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_media_attachments_status_id", ["status_id"], unique=False)
        batch_op.create_index(
            "ix_media_attachments_account_id_id", ["account_id", "id"], unique=False
        )
        batch_op.create_index("ix_media_attachments_file_key", ["file_key"], unique=False)
        batch_op.create_index("ix_media_attachments_small_key", ["small_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_media_attachments_small_key")
        batch_op.drop_index("ix_media_attachments_file_key")
        batch_op.drop_index("ix_media_attachments_account_id_id")
        batch_op.drop_index("ix_media_attachments_status_id")
    op.drop_table("media_attachments")

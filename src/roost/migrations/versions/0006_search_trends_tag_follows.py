"""search index, trend buckets, followed hashtags

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 01:00:00.000000

The status search index differs per backend (PostgreSQL: a tsvector column with a GIN
index; SQLite: an FTS5 virtual table) and is filled here with the statuses that exist
already; the ``search`` worker keeps it up to date from then on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tag_follows",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"],
            name=op.f("fk_tag_follows_account_id_accounts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tag_follows_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_follows")),
        sa.UniqueConstraint("account_id", "tag_id", name=op.f("uq_tag_follows_account_id_tag_id")),
    )  # fmt: skip
    op.create_index("ix_tag_follows_account_id_id", "tag_follows", ["account_id", "id"])
    op.create_table(
        "trend_tag_uses",
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_trend_tag_uses_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tag_id", "status_id", name=op.f("pk_trend_tag_uses")),
    )  # fmt: skip
    op.create_table(
        "trend_tag_accounts",
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.Column("span", sa.String(length=1), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_trend_tag_accounts_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tag_id", "span", "start", "account_id", name=op.f("pk_trend_tag_accounts")
        ),
    )  # fmt: skip
    op.create_table(
        "trend_tag_buckets",
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.Column("span", sa.String(length=1), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("accounts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_trend_tag_buckets_tag_id_tags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tag_id", "span", "start", name=op.f("pk_trend_tag_buckets")),
    )  # fmt: skip
    op.create_index("ix_trend_tag_buckets_span_start", "trend_tag_buckets", ["span", "start"])
    op.create_table(
        "trend_status_engagements",
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint(
            "status_id", "account_id", "kind", name=op.f("pk_trend_status_engagements")
        ),
    )
    op.create_table(
        "trend_status_buckets",
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("engagements", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["status_id"], ["statuses.id"],
            name=op.f("fk_trend_status_buckets_status_id_statuses"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("status_id", "start", name=op.f("pk_trend_status_buckets")),
    )  # fmt: skip
    op.create_index("ix_trend_status_buckets_start", "trend_status_buckets", ["start"])
    _create_search_index()


def _create_search_index() -> None:
    """The backend's full-text index, filled with every original status already posted."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS status_search USING fts5("
            "body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        op.execute(
            "INSERT INTO status_search (rowid, body) "
            "SELECT id, spoiler_text || ' ' || text FROM statuses WHERE reblog_of_id IS NULL"
        )
        return
    op.execute(
        "CREATE TABLE status_search ("
        " status_id BIGINT PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,"
        " document TSVECTOR NOT NULL)"
    )
    op.execute("CREATE INDEX ix_status_search_document ON status_search USING GIN (document)")
    op.execute(
        "INSERT INTO status_search (status_id, document) "
        "SELECT id, to_tsvector('simple', spoiler_text || ' ' || text) "
        "FROM statuses WHERE reblog_of_id IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS status_search")
    op.drop_table("trend_status_buckets")
    op.drop_table("trend_status_engagements")
    op.drop_table("trend_tag_buckets")
    op.drop_table("trend_tag_accounts")
    op.drop_table("trend_tag_uses")
    op.drop_table("tag_follows")

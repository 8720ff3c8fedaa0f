"""Use cases for instance information: the live numbers clients show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from roost.db import Database
from roost.db.metadata import utcnow
from roost.instance import queries

ACTIVE_WINDOW = timedelta(weeks=4)  # Mastodon's "active_month" looks back four weeks


@dataclass(frozen=True)
class InstanceStats:
    user_count: int
    status_count: int
    active_month: int
    domain_count: int = 0  # no federation yet: no other servers are known


async def instance_stats(*, db: Database) -> InstanceStats:
    """Counts for GET /api/v1/instance and /api/v2/instance, read in one transaction."""
    async with db.read() as conn:
        return InstanceStats(
            user_count=await queries.count_users(conn),
            status_count=await queries.count_statuses(conn),
            active_month=await queries.count_active_since(conn, utcnow() - ACTIVE_WINDOW),
        )

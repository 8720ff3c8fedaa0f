"""Can this process serve? Migrations at head and the database reachable (or, per
``ready_when_database_down``, level 3 being served read-only from Redis)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext

from roost.db.database import Database
from roost.migrations.runner import head_revision
from roost.resilience.breaker import BreakerState
from roost.resilience.degradation import Dependencies
from roost.settings import Settings


@dataclass(frozen=True)
class Verdict:
    ready: bool
    reason: str
    retry_after: int = 1


class Readiness:
    """One per app: remembers that migrations reached head (they never go back)."""

    def __init__(self) -> None:
        self._at_head = False

    async def check(self, settings: Settings, db: Database, deps: Dependencies) -> Verdict:
        breaker = deps.database
        if breaker.state is not BreakerState.closed:
            return self._database_down(settings, deps, breaker.retry_after())
        try:
            async with asyncio.timeout(settings.database_connect_timeout_seconds + 1):
                revision = await self._revision(db)
        except Exception as error:
            breaker.record_failure(error)
            return self._database_down(settings, deps, breaker.retry_after())
        if not self._at_head:
            head = head_revision()
            if revision != head:
                return Verdict(False, f"migrations not applied (at {revision}, head {head})")
            self._at_head = True
        return Verdict(True, "ok")

    async def _revision(self, db: Database) -> str | None:
        async with db.engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )

    def _database_down(self, settings: Settings, deps: Dependencies, retry_after: int) -> Verdict:
        serving = (
            settings.ready_when_database_down
            and self._at_head
            and deps.redis is not None
            and not deps.is_down("redis")
        )
        if serving:
            return Verdict(True, "database unavailable: serving read-only from Redis (level 3)")
        return Verdict(False, "database unavailable", retry_after)

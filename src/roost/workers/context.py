"""What a worker handler (or an inline after-commit listener) is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis

from roost.cache.keys import Keys
from roost.db import Database
from roost.resilience.degradation import Dependencies
from roost.settings import Settings


class Bus(Protocol):
    async def publish(self, kind: str, payload: dict[str, Any]) -> None:
        """Enqueue a follow-up job; it is delivered at least once to every queue handling it."""


@dataclass(frozen=True)
class WorkerContext:
    settings: Settings
    db: Database
    redis: Redis | None  # None when embedded
    keys: Keys
    bus: Bus
    dependencies: Dependencies = field(default_factory=Dependencies.standalone)

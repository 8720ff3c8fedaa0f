"""Degradation levels computed from the process's breakers.

- 0 NORMAL: every dependency answers.
- 1 RANKING: ranking unavailable → chronological home (reserved for the ranking issue;
  a breaker named ``"ranking"`` drives it when it exists).
- 2 TIMELINE_STORE: Redis down → home built from the database with bounded work,
  caches missed, writes accepted, events relayed when Redis returns.
- 3 DATABASE: the database down → read-only from what Redis holds, everything else 503.

A breaker that is half-open counts as still down: its dependency has not proved itself.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from roost.resilience.breaker import BreakerState, CircuitBreaker

if TYPE_CHECKING:
    from roost.settings import Settings

DATABASE = "database"
REDIS = "redis"
RANKING = "ranking"


class Level(IntEnum):
    NORMAL = 0
    RANKING = 1
    TIMELINE_STORE = 2
    DATABASE = 3


class Dependencies:
    """The breakers of one process: ``"database"`` always, ``"redis"`` when configured."""

    def __init__(self, breakers: dict[str, CircuitBreaker]) -> None:
        if DATABASE not in breakers:
            raise ValueError("the database breaker is required")
        self.breakers = breakers

    @classmethod
    def from_settings(cls, settings: Settings) -> Dependencies:
        """The breakers of a process from settings; ``"redis"`` only when Redis is configured."""
        names = [DATABASE] + ([REDIS] if settings.redis_url else [])
        return cls({name: breaker_from_settings(name, settings) for name in names})

    @classmethod
    def standalone(cls) -> Dependencies:
        """A database breaker with default parameters (tests and tools that wire nothing)."""
        return cls({DATABASE: CircuitBreaker(DATABASE)})

    @property
    def database(self) -> CircuitBreaker:
        return self.breakers[DATABASE]

    @property
    def redis(self) -> CircuitBreaker | None:
        return self.breakers.get(REDIS)

    def is_down(self, name: str) -> bool:
        breaker = self.breakers.get(name)
        return breaker is not None and breaker.state is not BreakerState.closed

    def level(self) -> Level:
        if self.is_down(DATABASE):
            return Level.DATABASE
        if self.is_down(REDIS):
            return Level.TIMELINE_STORE
        if self.is_down(RANKING):
            return Level.RANKING
        return Level.NORMAL

    def snapshot(self) -> dict[str, object]:
        """The /health body: ``{"level": n, "dependencies": {name: {"state": ...}}}``."""
        return {
            "level": int(self.level()),
            "dependencies": {name: b.snapshot() for name, b in sorted(self.breakers.items())},
        }


def breaker_from_settings(name: str, settings: Settings) -> CircuitBreaker:
    return CircuitBreaker(
        name,
        failure_threshold=settings.breaker_failure_threshold,
        window_seconds=settings.breaker_window_seconds,
        open_seconds=settings.breaker_open_seconds,
        half_open_probes=settings.breaker_half_open_probes,
        success_threshold=2,
    )

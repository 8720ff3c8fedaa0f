"""What every request handler may need, built once by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from redis.asyncio import Redis

from roost.cache.keys import Keys
from roost.db import Database
from roost.resilience.degradation import Dependencies
from roost.settings import Settings


@dataclass
class AppState:
    settings: Settings
    db: Database
    redis: Redis | None  # None when embedded
    keys: Keys
    # The process's breakers and degradation level (shared with the Database and Redis
    # client); a default keeps AppState constructible from tests without wiring.
    dependencies: Dependencies = field(default_factory=Dependencies.standalone)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.roost
    return state

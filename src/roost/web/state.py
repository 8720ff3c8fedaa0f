"""What every request handler may need, built once by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from redis.asyncio import Redis

from roost.cache.keys import Keys
from roost.db import Database
from roost.settings import Settings


@dataclass
class AppState:
    settings: Settings
    db: Database
    redis: Redis | None  # None when embedded
    keys: Keys


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.roost
    return state

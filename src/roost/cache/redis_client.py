"""Create the asyncio Redis client from settings (None when Roost runs embedded)."""

from __future__ import annotations

from redis.asyncio import Redis

from roost.settings import Settings


def create_redis(settings: Settings) -> Redis | None:
    if not settings.redis_url:
        return None
    return Redis.from_url(
        settings.redis_url,
        decode_responses=False,
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=30,
    )

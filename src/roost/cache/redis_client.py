"""Create the asyncio Redis client from settings (None when Roost runs embedded).

The client is guarded: every command, pipeline and script (scripts run EVALSHA through
``execute_command``) asks the Redis breaker first, is retried on transient errors
(connection refused/reset, timeout) with backoff and jitter (tenacity), and a failure
that outlives its retries counts for the breaker and surfaces as ``RedisUnavailable``
— both ``DependencyUnavailable`` (the web layer's 503, the workers' "not this entry's
fault") and redis-py's ``ConnectionError`` (so code that already treated a lost Redis
as a miss keeps doing so). redis-py's own retry is turned off so attempts are counted
once, here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from roost.resilience.breaker import CircuitBreaker
from roost.resilience.degradation import REDIS, breaker_from_settings
from roost.resilience.errors import DependencyUnavailable
from roost.resilience.retry import RetryPolicy
from roost.resilience.transient import is_redis_outage
from roost.settings import Settings

T = TypeVar("T")


class RedisUnavailable(DependencyUnavailable, RedisConnectionError):
    """Redis is down (breaker open, or a call failed after its retries)."""

    def __init__(self, retry_after: int = 1, message: str | None = None) -> None:
        DependencyUnavailable.__init__(self, REDIS, retry_after, message)


class RedisGuard:
    """The breaker and retry policy every call of one client goes through."""

    def __init__(self, breaker: CircuitBreaker, retry: RetryPolicy) -> None:
        self.breaker = breaker
        self.retry = retry

    async def call(self, attempt: Callable[[], Awaitable[T]]) -> T:
        breaker = self.breaker
        if not breaker.allow():
            raise RedisUnavailable(breaker.retry_after())
        try:
            result = await self.retry.run(attempt, is_redis_outage)
        except RedisUnavailable:
            raise
        except Exception as error:
            if is_redis_outage(error):
                breaker.record_failure(error)
                raise RedisUnavailable(breaker.retry_after()) from error
            breaker.record_success()  # Redis answered (WRONGTYPE, NOSCRIPT, ...): it is up
            raise
        breaker.record_success()
        return result


class GuardedPipeline(Pipeline):
    """A pipeline whose ``execute`` goes through the guard (commands are queued locally)."""

    guard: RedisGuard

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        stack = list(self.command_stack)
        scripts = set(self.scripts)

        async def attempt() -> list[Any]:
            # A failed execute resets the pipeline: queue the same commands again.
            self.command_stack = list(stack)
            self.scripts = set(scripts)
            return await Pipeline.execute(self, raise_on_error)

        if not stack and not self.watching:
            return []
        return await self.guard.call(attempt)


class GuardedRedis(Redis):
    """``redis.asyncio.Redis`` whose every command and pipeline is guarded."""

    guard: RedisGuard

    @property
    def breaker(self) -> CircuitBreaker:
        return self.guard.breaker

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        return await self.guard.call(lambda: Redis.execute_command(self, *args, **options))

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pipe = GuardedPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )
        pipe.guard = self.guard
        return pipe

    async def ping_unguarded(self) -> None:
        """PING past the breaker, no retry (the background probe uses it)."""
        await Redis.execute_command(self, "PING")


def create_redis(settings: Settings, *, breaker: CircuitBreaker | None = None) -> Redis | None:
    """The guarded client, or None when Redis is not configured (embedded)."""
    if not settings.redis_url:
        return None
    client = GuardedRedis.from_url(
        settings.redis_url,
        decode_responses=False,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_connect_timeout_seconds,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 0),
    )
    assert isinstance(client, GuardedRedis)  # from_url builds ``cls``
    client.guard = RedisGuard(
        breaker or breaker_from_settings(REDIS, settings),
        RetryPolicy(attempts=settings.retry_attempts, max_seconds=settings.retry_max_seconds),
    )
    return client

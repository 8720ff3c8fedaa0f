"""Retries with exponential backoff and jitter for transient errors only (tenacity).

The seeds' parameters: at most ``attempts`` tries (3), 10 ms first wait, doubling, at
most 100 ms per wait, ±20 % jitter, and a bound on the total time (``max_seconds``), so
a retried call never costs more than the caller can afford.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    max_seconds: float = 1.0
    initial: float = 0.010
    maximum: float = 0.100
    multiplier: float = 2.0
    jitter: float = 0.2

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1-based), with proportional jitter
        (tenacity's own jitter is additive, the seeds' is ±20 %)."""
        base = min(self.maximum, self.initial * self.multiplier ** (attempt - 1))
        return base * random.uniform(1 - self.jitter, 1 + self.jitter)

    def wait(self, state: RetryCallState) -> float:
        return self.delay(state.attempt_number)

    async def run(
        self, call: Callable[[], Awaitable[T]], retryable: Callable[[BaseException], bool]
    ) -> T:
        """Await ``call()``, again after a wait while it fails with a ``retryable`` error.

        The first attempt runs outside tenacity: this wraps every Redis command and
        transaction, and building a retry loop per call cost measurable CPU on the hot
        read path; tenacity takes over only once an attempt has failed.
        """
        started = time.monotonic()
        try:
            return await call()
        except Exception as error:
            left = self.max_seconds - (time.monotonic() - started)
            if self.attempts <= 1 or not retryable(error) or left <= 0:
                raise
        await asyncio.sleep(self.delay(1))
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts - 1) | stop_after_delay(max(0.0, left)),
            wait=lambda state: self.delay(state.attempt_number + 1),
            retry=retry_if_exception(retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await call()
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover

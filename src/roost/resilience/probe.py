"""The background probe: pings each dependency whose breaker is not closed.

Without it an open breaker would only close when traffic arrives after
``open_seconds`` (and the first requests would pay for the probing). Each process runs
one probe (started by its ``WorkerRuntime``); a dependency that is back closes its
breaker within about two probe intervals of the breaker turning half-open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from roost.resilience.breaker import BreakerState
from roost.resilience.degradation import Dependencies

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]


class DependencyProbe:
    def __init__(
        self,
        dependencies: Dependencies,
        checks: dict[str, Check],
        *,
        interval_seconds: float = 0.5,
        timeout_seconds: float = 2.0,
    ) -> None:
        self.dependencies = dependencies
        self.checks = checks
        self.interval_seconds = interval_seconds
        self.timeout_seconds = timeout_seconds

    async def probe_once(self) -> None:
        """Try every dependency whose breaker lets a probe through and is not closed."""
        for name, check in self.checks.items():
            breaker = self.dependencies.breakers.get(name)
            if breaker is None or breaker.state is BreakerState.closed:
                continue
            if not breaker.allow():
                continue
            try:
                await asyncio.wait_for(check(), timeout=self.timeout_seconds)
            except Exception as error:
                breaker.record_failure(error)
            else:
                breaker.record_success()
                if breaker.state is BreakerState.closed:
                    log.warning("dependency %s is back: breaker closed", name)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.probe_once()
            except Exception:  # never let the probe die: it is what brings us back
                log.exception("dependency probe failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval_seconds)

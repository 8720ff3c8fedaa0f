"""A circuit breaker per dependency: closed → open → half-open → closed.

Hand-written rather than a library (pybreaker, aiobreaker): those wrap a call, while
Roost's calls are context managers (a transaction, a pipeline) and Redis commands
issued deep inside redis-py; we need only the state machine, with observers for the
metrics and a clock tests can move.

- closed: every call allowed; ``failure_threshold`` failures within ``window_seconds``
  open the breaker.
- open: no call allowed (one fast failure instead of a timeout per request) until
  ``open_seconds`` have passed; then half-open.
- half-open: at most ``half_open_probes`` calls in flight try the dependency;
  ``success_threshold`` successes close the breaker, any failure opens it again.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    closed = "closed"
    open = "open"
    half_open = "half_open"


_log = logging.getLogger(__name__)

ChangeObserver = Callable[["CircuitBreaker", BreakerState, BreakerState], None]


class CircuitBreaker:
    """The state machine of one dependency (see the module docstring).

    Not thread-safe: each process's breakers are used from its event loop only.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        window_seconds: float = 10.0,
        open_seconds: float = 5.0,
        half_open_probes: int = 3,
        success_threshold: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failure_threshold = max(1, failure_threshold)
        self.window_seconds = window_seconds
        self.open_seconds = open_seconds
        self.half_open_probes = max(1, half_open_probes)
        self.success_threshold = max(1, min(success_threshold, self.half_open_probes))
        self.on_change: list[ChangeObserver] = []
        self._clock = clock
        self._state = BreakerState.closed
        self._failures: deque[float] = deque()
        self._opened_at = 0.0
        self._probes_in_flight = 0
        self._probe_successes = 0
        self._half_open_since = 0.0
        self.last_error: str | None = None
        self.changed_at = clock()

    # -- state ---------------------------------------------------------------------------

    @property
    def state(self) -> BreakerState:
        """The current state; an open breaker whose time is up becomes half-open here."""
        if (
            self._state is BreakerState.open
            and self._clock() - self._opened_at >= self.open_seconds
        ):
            self._move(BreakerState.half_open)
        return self._state

    def allow(self) -> bool:
        """May a call try the dependency now? A True in half-open takes a probe slot."""
        state = self.state
        if state is BreakerState.closed:
            return True
        if state is BreakerState.open:
            return False
        # Probes whose caller vanished (cancelled without recording) must not wedge the
        # breaker half-open forever: after another open period the slots are free again.
        if self._clock() - self._half_open_since >= max(self.open_seconds, 1.0):
            self._probes_in_flight = 0
            self._half_open_since = self._clock()
        if self._probes_in_flight >= self.half_open_probes:
            return False
        self._probes_in_flight += 1
        return True

    def record_success(self) -> None:
        """Counts only in half-open. When closed, a success does not forgive earlier
        failures at once: they age out of the window."""
        if self.state is BreakerState.half_open:
            self._probes_in_flight = max(0, self._probes_in_flight - 1)
            self._probe_successes += 1
            if self._probe_successes >= self.success_threshold:
                self._move(BreakerState.closed)

    def record_failure(self, error: BaseException | str | None = None) -> None:
        if error is not None:
            self.last_error = error if isinstance(error, str) else _describe(error)
        now = self._clock()
        state = self.state
        if state is BreakerState.half_open:
            self._probes_in_flight = max(0, self._probes_in_flight - 1)
            self._open(now)
            return
        if state is BreakerState.open:
            return
        self._failures.append(now)
        while self._failures and now - self._failures[0] > self.window_seconds:
            self._failures.popleft()
        if len(self._failures) >= self.failure_threshold:
            self._open(now)

    def trip(self, error: BaseException | str | None = None) -> None:
        """Open now (a failure that leaves no doubt, e.g. connection refused by a probe)."""
        if error is not None:
            self.last_error = error if isinstance(error, str) else _describe(error)
        if self.state is not BreakerState.open:
            self._open(self._clock())

    def retry_after(self) -> int:
        """Seconds a client should wait before trying again (at least 1)."""
        if self._state is BreakerState.open:
            left = self.open_seconds - (self._clock() - self._opened_at)
            return max(1, math.ceil(left))
        return 1

    @property
    def recent_failures(self) -> int:
        now = self._clock()
        return sum(1 for t in self._failures if now - t <= self.window_seconds)

    def snapshot(self) -> dict[str, object]:
        """What /health shows of this breaker."""
        state = self.state
        return {
            "state": str(state),
            "recent_failures": self.recent_failures,
            "retry_after": self.retry_after() if state is BreakerState.open else 0,
            "last_error": self.last_error,
            "since_seconds": round(self._clock() - self.changed_at, 3),
        }

    # -- transitions ---------------------------------------------------------------------

    def _open(self, now: float) -> None:
        self._opened_at = now
        self._failures.clear()
        self._move(BreakerState.open)

    def _move(self, new: BreakerState) -> None:
        old = self._state
        if old is new:
            return
        self._state = new
        self.changed_at = self._clock()
        self._probes_in_flight = 0
        self._probe_successes = 0
        if new is BreakerState.half_open:
            self._half_open_since = self.changed_at
        if new is BreakerState.closed:
            self._failures.clear()
            self.last_error = None
        for observer in list(self.on_change):
            try:
                observer(self, old, new)
            except Exception:  # an observer (metrics) must never break the breaker
                _log.exception("breaker observer failed")


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:200] if text else type(error).__name__

"""The breaker's state machine and the degradation level it drives (no I/O: a fake clock)."""

from __future__ import annotations

import pytest

from roost.resilience.breaker import BreakerState, CircuitBreaker
from roost.resilience.degradation import Dependencies, Level
from roost.resilience.errors import DependencyUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, **overrides: float) -> CircuitBreaker:
    params: dict[str, float] = dict(
        failure_threshold=5, window_seconds=10, open_seconds=5, half_open_probes=3,
        success_threshold=2,
    )  # fmt: skip
    params.update(overrides)
    return CircuitBreaker("database", clock=clock, **params)  # type: ignore[arg-type]


def test_failures_within_the_window_open_the_breaker() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(4):
        b.record_failure(OSError("refused"))
        clock.now += 1
    assert b.state is BreakerState.closed and b.allow()
    b.record_failure(OSError("refused"))
    assert b.state is BreakerState.open
    assert not b.allow()
    assert b.last_error == "OSError: refused"


def test_failures_older_than_the_window_are_forgotten() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(4):
        b.record_failure()
    clock.now += 11
    b.record_failure()
    assert b.state is BreakerState.closed
    assert b.recent_failures == 1


def test_open_breaker_turns_half_open_after_open_seconds_and_says_when() -> None:
    clock = Clock()
    b = breaker(clock)
    b.trip("down")
    assert b.retry_after() == 5
    clock.now += 3.2
    assert b.state is BreakerState.open and b.retry_after() == 2
    clock.now += 1.8
    assert b.state is BreakerState.half_open
    assert b.retry_after() == 1


def test_half_open_lets_a_few_probes_through_and_two_successes_close_it() -> None:
    clock = Clock()
    b = breaker(clock)
    b.trip()
    clock.now += 5
    assert [b.allow() for _ in range(4)] == [True, True, True, False]
    b.record_success()
    assert b.state is BreakerState.half_open
    b.record_success()
    assert b.state is BreakerState.closed
    assert b.allow()


def test_a_failed_probe_opens_the_breaker_again() -> None:
    clock = Clock()
    b = breaker(clock)
    b.trip()
    clock.now += 5
    assert b.allow()
    b.record_success()
    assert b.allow()
    b.record_failure(TimeoutError())
    assert b.state is BreakerState.open
    assert b.retry_after() == 5


def test_probe_slots_of_vanished_callers_are_freed_after_a_while() -> None:
    clock = Clock()
    b = breaker(clock, half_open_probes=1, success_threshold=1)
    b.trip()
    clock.now += 5
    assert b.allow()  # this caller never reports (cancelled)
    assert not b.allow()
    clock.now += 5
    assert b.allow()


def test_observers_see_every_transition_and_a_failing_observer_changes_nothing() -> None:
    clock = Clock()
    b = breaker(clock, failure_threshold=1)
    seen: list[tuple[str, str, str]] = []
    b.on_change.append(lambda br, old, new: seen.append((br.name, old, new)))

    def broken(_b: CircuitBreaker, _old: BreakerState, _new: BreakerState) -> None:
        raise RuntimeError("metrics exporter broke")

    b.on_change.append(broken)
    b.record_failure()
    clock.now += 5
    assert b.state is BreakerState.half_open
    b.allow()
    b.record_success()
    b.allow()
    b.record_success()
    assert seen == [
        ("database", "closed", "open"),
        ("database", "open", "half_open"),
        ("database", "half_open", "closed"),
    ]


def test_level_follows_the_breakers() -> None:
    clock = Clock()
    database, redis = breaker(clock), CircuitBreaker("redis", clock=clock, open_seconds=5)
    deps = Dependencies({"database": database, "redis": redis})
    assert deps.level() is Level.NORMAL
    redis.trip()
    assert deps.level() is Level.TIMELINE_STORE
    clock.now += 5  # half-open: still not proven
    assert deps.level() is Level.TIMELINE_STORE
    database.trip()
    assert deps.level() is Level.DATABASE
    ranking = CircuitBreaker("ranking", clock=clock)
    ranking.trip()
    assert Dependencies({"database": breaker(clock), "ranking": ranking}).level() is Level.RANKING


def test_snapshot_is_the_health_body() -> None:
    clock = Clock()
    deps = Dependencies({"database": breaker(clock)})
    deps.database.trip(ConnectionRefusedError("refused"))
    snapshot = deps.snapshot()
    assert snapshot["level"] == 3
    assert snapshot["dependencies"] == {
        "database": {
            "state": "open",
            "recent_failures": 0,
            "retry_after": 5,
            "last_error": "ConnectionRefusedError: refused",
            "since_seconds": 0.0,
        }
    }


def test_dependencies_need_the_database_breaker() -> None:
    with pytest.raises(ValueError):
        Dependencies({"redis": CircuitBreaker("redis")})


def test_dependency_unavailable_carries_what_the_503_needs() -> None:
    error = DependencyUnavailable("redis", 0)
    assert (error.dependency, error.retry_after) == ("redis", 1)
    assert "redis" in error.message

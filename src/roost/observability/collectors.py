"""Scrape-time metrics: breaker states, the degradation level, the connection pool.

Notes on design: these values live in objects the process already holds (the breakers
of ``resilience.degradation.Dependencies``, SQLAlchemy's pool), so a custom collector
reads them when Prometheus scrapes instead of copying them into gauges on every
change. A process registers what it holds (``register``) for as long as it runs; when
several are registered (tests build apps one after another in one process) the most
recent one is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

from roost.resilience.breaker import BreakerState
from roost.resilience.degradation import Dependencies

BREAKER_STATE_VALUES = {BreakerState.closed: 0, BreakerState.half_open: 1, BreakerState.open: 2}


@dataclass(eq=False)
class Sources:
    """What one process's scrape reads: its breakers and its database engine."""

    dependencies: Dependencies
    db: Any  # roost.db.Database (its ``engine.pool``)


_sources: list[Sources] = []


def register(sources: Sources) -> None:
    _sources.append(sources)


def unregister(sources: Sources) -> None:
    if sources in _sources:
        _sources.remove(sources)


class ProcessCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        current = _sources[-1] if _sources else None
        yield from _breaker_metrics(current)
        yield from _pool_metrics(current)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Names only (no values): lets the registry check for duplicates at registration.
        yield from _breaker_metrics(None)
        yield from _pool_metrics(None)


def _breaker_metrics(current: Sources | None) -> Iterator[GaugeMetricFamily]:
    states = GaugeMetricFamily(
        "roost_breaker_state",
        "Circuit breaker state per dependency: 1 for the current state, 0 for the others.",
        labels=["dependency", "state"],
    )
    numeric = GaugeMetricFamily(
        "roost_breaker_state_value",
        "Circuit breaker state per dependency as a number: 0 closed, 1 half-open, 2 open.",
        labels=["dependency"],
    )
    level = GaugeMetricFamily(
        "roost_degradation_level",
        "Degradation level: 0 normal, 1 ranking off, 2 timeline store (Redis) down, "
        "3 database down (read-only).",
    )
    if current is not None:
        for name, breaker in sorted(current.dependencies.breakers.items()):
            state = breaker.state
            for candidate in BreakerState:
                states.add_metric([name, str(candidate)], 1.0 if candidate is state else 0.0)
            numeric.add_metric([name], float(BREAKER_STATE_VALUES[state]))
        level.add_metric([], float(int(current.dependencies.level())))
    yield states
    yield numeric
    yield level


def _pool_metrics(current: Sources | None) -> Iterator[GaugeMetricFamily]:
    size = GaugeMetricFamily(
        "roost_db_pool_size", "Connections the database pool keeps (its configured size)."
    )
    connections = GaugeMetricFamily(
        "roost_db_pool_connections",
        "Database connections by state: checked_out (in use), idle (in the pool), "
        "overflow (opened beyond the pool size).",
        labels=["state"],
    )
    if current is not None:
        pool = current.db.engine.pool
        reading = {
            "checked_out": getattr(pool, "checkedout", None),
            "idle": getattr(pool, "checkedin", None),
            "overflow": getattr(pool, "overflow", None),
        }
        pool_size = getattr(pool, "size", None)
        if callable(pool_size):
            size.add_metric([], float(pool_size()))
        for state, read in reading.items():
            if callable(read):
                connections.add_metric([state], float(max(read(), 0)))
    yield size
    yield connections


_installed = False


def install_collector() -> None:
    """Register the collector in the default registry (once per process)."""
    global _installed
    if not _installed:
        REGISTRY.register(ProcessCollector())
        _installed = True

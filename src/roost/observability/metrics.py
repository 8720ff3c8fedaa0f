"""Every Prometheus metric Roost exports, defined once, in the process's default registry.

Notes on design: prometheus-client's idiom is one registry per process with
module-level metrics; every Roost process (API or worker) is one such process and
serves that registry (``/metrics``, or ``roost worker --metrics-port``). Values that
live in other objects (breakers, the connection pool) are read at scrape time by
``collectors.py``; values that cost a round trip (stream lengths, pending entries,
outbox size) are refreshed in the background by ``backlog.py``. Label values are
bounded: route *templates* (``/api/v1/statuses/{status_id}``), never raw paths.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

from roost.db.metadata import utcnow
from roost.ids import id_to_ms

# Latency buckets for HTTP requests (seconds): 5 ms .. 10 s.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Fan-out lag buckets (seconds): the post-to-visible budget is 1 s; backlogs go to minutes.
LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

HTTP_REQUESTS = Counter(
    "roost_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "roost_http_request_duration_seconds",
    "Time from request start to the end of the response body, by route template and status.",
    ["method", "route", "status"],
    buckets=REQUEST_BUCKETS,
)
HTTP_EXCEPTIONS = Counter(
    "roost_http_exceptions",
    "Requests that ended in an unhandled exception (answered 500), by route template.",
    ["method", "route"],
)
HTTP_IN_PROGRESS = Gauge(
    "roost_http_requests_in_progress", "Requests being served by this process right now."
)

FANOUT_LAG = Histogram(
    "roost_fanout_lag_seconds",
    "Time from a status's creation to its delivery into followers' home timelines, "
    "by the handler that delivered it (status.created: the first page; fanout.batch).",
    ["kind"],
    buckets=LAG_BUCKETS,
)

WORKER_EVENTS = Counter(
    "roost_worker_events",
    "Events handled by workers, by queue, kind and outcome (ok | failed | postponed: a "
    "dependency was down, retried later).",
    ["queue", "kind", "outcome"],
)
WORKER_DURATION = Histogram(
    "roost_worker_event_duration_seconds",
    "Time the handlers of one queue took for one event.",
    ["queue"],
    buckets=REQUEST_BUCKETS,
)

STATUS_CACHE = Counter(
    "roost_status_cache_requests",
    "Rendered statuses looked up in the status cache, by result (hit | miss).",
    ["result"],
)
HOME_TIMELINE_READS = Counter(
    "roost_home_timeline_reads",
    "Home timeline reads by what the store held: hit (materialized timeline present) or "
    "rebuild (missing, rebuilt from the database first).",
    ["result"],
)

STREAM_LENGTH = Gauge(
    "roost_stream_length",
    "Entries in a Redis stream (events: the event bus; dead: dead letters). Scaled out only.",
    ["stream"],
)
STREAM_PENDING = Gauge(
    "roost_stream_pending",
    "Entries delivered to a consumer group and not acknowledged yet, per group (queue).",
    ["group"],
)
STREAM_LAG = Gauge(
    "roost_stream_lag",
    "Entries of the events stream a consumer group has not read yet, per group (queue).",
    ["group"],
)
STREAM_CONSUMERS = Gauge(
    "roost_stream_consumers", "Consumers registered in a consumer group.", ["group"]
)
DEAD_LETTERS = Gauge(
    "roost_dead_letters",
    "Events that failed max_deliveries times and were set aside (dead-letter stream or table).",
)
OUTBOX_SIZE = Gauge(
    "roost_outbox_size",
    "Events committed but not yet published (scaled out) or handled (embedded).",
)
OUTBOX_OLDEST_AGE = Gauge(
    "roost_outbox_oldest_age_seconds", "Age of the oldest event still in the outbox (0 if empty)."
)
BACKLOG_REFRESHED = Gauge(
    "roost_backlog_refreshed_timestamp_seconds",
    "When the backlog gauges (streams, outbox, dead letters) were last refreshed (Unix time).",
)
BACKLOG_REFRESH_ERRORS = Counter(
    "roost_backlog_refresh_errors", "Backlog refreshes that failed (a dependency was down)."
)


def observe_fanout_lag(kind: str, status_id: int, *, now: datetime | None = None) -> None:
    """Record how long ago the status was created (its id carries the millisecond)."""
    moment = now or utcnow()
    lag = moment.timestamp() - id_to_ms(status_id) / 1000.0
    FANOUT_LAG.labels(kind=kind).observe(max(lag, 0.0))


def observe_status_cache(*, hits: int, misses: int) -> None:
    if hits:
        STATUS_CACHE.labels(result="hit").inc(hits)
    if misses:
        STATUS_CACHE.labels(result="miss").inc(misses)


def observe_home_read(*, rebuilt: bool) -> None:
    HOME_TIMELINE_READS.labels(result="rebuild" if rebuilt else "hit").inc()

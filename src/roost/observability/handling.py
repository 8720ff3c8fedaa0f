"""Around one worker handler run: a span continuing the event's trace, log context, metrics.

Used by the Redis Streams consumer (``workers/consumer.py``) and the embedded outbox
drainer (``workers/embedded.py``): ``with handling(event, queue=...):`` around the
handler calls. The span's parent is the trace context the event carries (``Event.trace``,
captured when the event was recorded), so a request's trace continues into the worker
that handles its events, in another process or later.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import structlog
from opentelemetry.trace import Status, StatusCode

from roost.observability import metrics, tracing
from roost.resilience.transient import is_outage

if TYPE_CHECKING:
    from roost.events.outbox import Event

EMBEDDED_QUEUE = "embedded"  # the drainer runs every queue's handlers for an event


@contextmanager
def handling(event: Event, *, queue: str) -> Iterator[None]:
    carrier = event.trace
    attributes: dict[str, str | int] = {
        "messaging.system": "roost",
        "messaging.destination.name": queue,
        "messaging.message.id": str(event.id),
        "roost.event.kind": event.kind,
    }
    started = time.perf_counter()
    outcome = "ok"
    with tracing.consumer_span(f"{queue} {event.kind}", carrier, attributes) as span:
        ids = tracing.ids_of(span)
        bound: dict[str, object] = {"event_id": str(event.id), "event_kind": event.kind,
                                    "queue": queue}  # fmt: skip
        if ids is not None:
            bound["trace_id"], bound["span_id"] = ids
        request_id = carrier.get(tracing.REQUEST_ID_KEY)
        if request_id:
            bound[tracing.REQUEST_ID_KEY] = request_id
        with structlog.contextvars.bound_contextvars(**bound):
            try:
                yield
            except BaseException as exc:
                # A dependency outage is retried, never dead-lettered: not the handler's fault.
                outcome = "postponed" if is_outage(exc) else "failed"
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            finally:
                metrics.WORKER_EVENTS.labels(queue=queue, kind=event.kind, outcome=outcome).inc()
                metrics.WORKER_DURATION.labels(queue=queue).observe(time.perf_counter() - started)

"""OpenTelemetry tracing: one provider per process, and trace context carried in events.

Notes on design: spans are always made (with the SDK's provider) even when nothing is
exported (``ROOST_TRACING_EXPORTER=off``), so every log line of a request and of the
worker handling its events carries a ``trace_id`` that ties them together; exporting
is the only optional part. The provider is kept here rather than installed as
OpenTelemetry's global one, because the global can be set only once per process while
tests (and ``use_exporter``) need to replace it. W3C trace context (``traceparent``,
``tracestate``) is what travels: in HTTP headers and in every outbox event (``Event.trace``),
so a worker span continues the trace of the request that recorded the event.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Span, SpanKind, format_span_id, format_trace_id
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from roost import __version__

if TYPE_CHECKING:
    from roost.settings import Settings

log = logging.getLogger(__name__)

SERVICE_NAME = "roost"
# The carrier key of the request id in an event's trace context (not a W3C header).
REQUEST_ID_KEY = "request_id"

_propagator = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None
_configured_for: tuple[str, str | None] | None = None


def _new_provider(exporter: SpanExporter | None, *, batch: bool) -> TracerProvider:
    provider = TracerProvider(
        resource=Resource.create({"service.name": SERVICE_NAME, "service.version": __version__})
    )
    if exporter is not None:
        processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        provider.add_span_processor(processor)
    return provider


def _replace(provider: TracerProvider) -> None:
    global _provider, _tracer
    old, _provider = _provider, provider
    _tracer = provider.get_tracer("roost", __version__)
    if old is not None:
        old.shutdown()


def configure_tracing(settings: Settings) -> None:
    """Set this process's provider from settings: off | console | otlp (+ endpoint).

    Idempotent for the same settings (tests build many apps in one process); a test
    exporter installed with ``use_exporter`` is kept while the exporter setting is off.
    """
    global _configured_for
    wanted = (str(settings.tracing_exporter), settings.otlp_endpoint)
    if _configured_for == wanted:
        return
    if wanted[0] == "off" and _provider is not None and _configured_for is None:
        return  # keep what use_exporter installed
    exporter: SpanExporter | None = None
    if wanted[0] == "console":
        exporter = ConsoleSpanExporter(service_name=SERVICE_NAME, out=sys.stdout)
    elif wanted[0] == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint or None)
    _replace(_new_provider(exporter, batch=True))
    _configured_for = wanted


def use_exporter(exporter: SpanExporter) -> None:
    """Export every span to ``exporter`` synchronously (tests: the SDK's in-memory one)."""
    global _configured_for
    _replace(_new_provider(exporter, batch=False))
    _configured_for = None


def shutdown_tracing() -> None:
    """Flush what the exporter still holds (the end of an app or a worker process)."""
    if _provider is not None:
        _provider.force_flush()


def tracer() -> trace.Tracer:
    if _tracer is None:
        _replace(_new_provider(None, batch=False))
    assert _tracer is not None
    return _tracer


# --- context in and out ---------------------------------------------------------------------


def extract(carrier: Mapping[str, str]) -> otel_context.Context:
    """The remote parent described by ``traceparent``/``tracestate`` (if any)."""
    return _propagator.extract(dict(carrier))


def current_carrier(request_id: str | None = None) -> dict[str, str]:
    """The current trace context as W3C headers (empty outside any span), plus the request
    id when given: what an event stores so its handler continues this trace."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    if request_id:
        carrier[REQUEST_ID_KEY] = request_id
    return carrier


def ids_of(span: Span) -> tuple[str, str] | None:
    """(trace_id, span_id) as lowercase hex, or None for a non-recording, invalid span."""
    span_context = span.get_span_context()
    if not span_context.is_valid:
        return None
    return format_trace_id(span_context.trace_id), format_span_id(span_context.span_id)


@contextmanager
def consumer_span(
    name: str, carrier: Mapping[str, str], attributes: dict[str, str | int]
) -> Iterator[Span]:
    """A CONSUMER span whose parent is the context ``carrier`` carries (a new trace if none)."""
    parent = extract(carrier) if carrier else None
    with tracer().start_as_current_span(
        name,
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=False,  # the caller records it once, with its outcome
        set_status_on_exception=False,
    ) as span:
        yield span


def capture() -> dict[str, str]:
    """What a new event carries: the current trace context and the request id bound to
    this request's (or handler's) log context, so follow-up work continues both."""
    import structlog  # local: tracing is imported by the event model, keep it light

    request_id = structlog.contextvars.get_contextvars().get(REQUEST_ID_KEY)
    return current_carrier(str(request_id) if request_id else None)


def reset_tracing() -> None:
    """Back to a provider that exports nothing (tests, after ``use_exporter``)."""
    global _configured_for
    _replace(_new_provider(None, batch=False))
    _configured_for = None

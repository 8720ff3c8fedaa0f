"""A request's trace continues into the worker that handles its events (both deployments).

Spans are collected by the OpenTelemetry SDK's own InMemorySpanExporter, installed as
this process's exporter; the workers run in-process through the ``drain`` fixture, so
the event really travels through the outbox (embedded) or the Redis stream.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from roost.observability import tracing
from roost.settings import Settings
from tests.events.support import bus_events

STATUSES = "/api/v1/statuses"


@pytest.fixture
def settings(settings: Any) -> Any:
    """One follower per fan-out batch, so a post makes follow-up ``fanout.batch`` jobs."""
    return settings.model_copy(update={"fanout_batch_size": 1})


def _server_span(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    found = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER and s.name == name]
    assert len(found) == 1, [s.name for s in spans.get_finished_spans()]
    return found[0]


def _consumer_spans(spans: InMemorySpanExporter, kind: str) -> list[ReadableSpan]:
    return [
        s
        for s in spans.get_finished_spans()
        if s.kind is SpanKind.CONSUMER and s.name.endswith(f" {kind}")
    ]


async def test_the_trace_of_a_post_continues_into_its_fan_out_worker(
    spans: InMemorySpanExporter, app: Any, alice: Any, bob: Any, drain: Any
) -> None:
    assert (await bob.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
    await drain()
    spans.clear()
    response = await alice.post(STATUSES, data={"status": "traced"})
    assert response.status_code == 200
    server = _server_span(spans, f"POST {STATUSES}")
    assert server.context is not None
    trace_id = server.context.trace_id
    assert server.attributes is not None
    assert server.attributes["http.route"] == STATUSES
    assert server.attributes["http.response.status_code"] == 200

    # The recorded event carries the request's W3C trace context and request id.
    created = [e for e in await bus_events(app) if e.kind == "status.created"]
    if created:  # scaled out it is on the stream; embedded it waits in the outbox
        carried = created[-1].trace
        assert carried["traceparent"].split("-")[1] == format_trace_id(trace_id)
        assert carried["traceparent"].split("-")[2] == format_span_id(server.context.span_id)
        assert carried["request_id"] == response.headers["x-request-id"]

    await drain()
    workers = _consumer_spans(spans, "status.created")
    assert workers, [s.name for s in spans.get_finished_spans()]
    for worker in workers:
        assert worker.context is not None and worker.parent is not None
        assert worker.context.trace_id == trace_id  # the same trace
        assert worker.parent.span_id == server.context.span_id  # child of the request
        assert worker.parent.is_remote  # continued from the carried context
        assert worker.attributes is not None
        assert worker.attributes["roost.event.kind"] == "status.created"
    expected_queue = "embedded" if app.state.roost.redis is None else "timelines"
    assert f"{expected_queue} status.created" in {w.name for w in workers}


async def test_an_incoming_traceparent_is_continued(
    spans: InMemorySpanExporter, client: Any
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent = "00f067aa0ba902b7"
    response = await client.get(
        "/api/v1/instance", headers={"traceparent": f"00-{trace_id}-{parent}-01"}
    )
    assert response.status_code == 200
    server = _server_span(spans, "GET /api/v1/instance")
    assert server.context is not None and server.parent is not None
    assert format_trace_id(server.context.trace_id) == trace_id
    assert format_span_id(server.parent.span_id) == parent


async def test_an_unmatched_route_is_named_by_a_bounded_label(
    spans: InMemorySpanExporter, client: Any
) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    span = _server_span(spans, "GET <unmatched>")
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 404


async def test_follow_up_jobs_stay_in_the_trace_of_the_request(
    spans: InMemorySpanExporter, alice: Any, bob: Any, carol: Any, drain: Any
) -> None:
    for follower in (bob, carol):
        assert (await follower.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
    await drain()
    spans.clear()
    assert (await alice.post(STATUSES, data={"status": "to two followers"})).status_code == 200
    server = _server_span(spans, f"POST {STATUSES}")
    assert server.context is not None
    await drain()
    created = _consumer_spans(spans, "status.created")
    batches = _consumer_spans(spans, "fanout.batch")
    assert created and batches
    parents = {s.context.span_id for s in created if s.context is not None}
    for batch in batches:
        assert batch.context is not None and batch.parent is not None
        assert batch.context.trace_id == server.context.trace_id
        assert batch.parent.span_id in parents  # made by the status.created handler


def test_the_otlp_exporter_setting_sends_spans_to_the_endpoint(tmp_path: Any) -> None:
    """A real OTLP/HTTP receiver on loopback (the collector's protocol: protobuf POSTs)."""
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    settings = Settings(
        data_dir=tmp_path, tracing_exporter="otlp", otlp_endpoint=endpoint, _env_file=None
    )  # type: ignore[call-arg]
    try:
        tracing.configure_tracing(settings)
        with tracing.tracer().start_as_current_span("probe") as span:
            trace_id = span.get_span_context().trace_id
        tracing.shutdown_tracing()  # flushes the batch
        spans = [
            s
            for body in received
            for rs in ExportTraceServiceRequest.FromString(body).resource_spans
            for ss in rs.scope_spans
            for s in ss.spans
        ]
        assert [s.name for s in spans] == ["probe"]
        assert spans[0].trace_id == trace_id.to_bytes(16, "big")
    finally:
        tracing.reset_tracing()
        server.shutdown()
        server.server_close()


def test_the_console_exporter_prints_spans(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, tracing_exporter="console", _env_file=None)  # type: ignore[call-arg]
    try:
        tracing.configure_tracing(settings)
        with tracing.tracer().start_as_current_span("printed") as span:
            trace_id = format_trace_id(span.get_span_context().trace_id)
        tracing.shutdown_tracing()
    finally:
        tracing.reset_tracing()
    out = capsys.readouterr().out
    assert '"name": "printed"' in out and trace_id in out

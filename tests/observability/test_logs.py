"""JSON log lines carry request_id and trace_id, in a request and in the worker handling
its event (the process's log output captured through Roost's own formatter)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import structlog

from roost.events.outbox import Event
from roost.observability.logs import add_trace_ids, formatter, wants_json
from roost.workers.context import WorkerContext
from roost.workers.registry import Registry

STATUSES = "/api/v1/statuses"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything logged at INFO and above, rendered as Roost's JSON lines."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter(json=True))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in out.getvalue().splitlines() if line.strip()]


async def test_request_and_handler_lines_carry_request_and_trace_ids(
    log_lines: io.StringIO, alice: Any, drain: Any
) -> None:
    registry = Registry()

    @registry.handler("probe", "status.created")
    async def log_from_handler(event: Event, ctx: WorkerContext) -> None:
        structlog.get_logger("probe").info(
            "handled by structlog", status=event.payload["status_id"]
        )
        logging.getLogger("probe").warning("handled by the standard library")

    await drain(registry=registry)  # nothing from the fixtures' set-up is left
    log_lines.truncate(0)
    log_lines.seek(0)
    response = await alice.http.post(
        STATUSES, data={"status": "logged"}, headers={**alice.auth, "X-Request-Id": "req-obs-1"}
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-obs-1"
    # The test's own HTTP client (httpx) logs too, outside the server's request.
    in_request = [line for line in _lines(log_lines) if line.get("logger") != "httpx"]
    request_line = next(line for line in in_request if line["event"] == "request")
    assert request_line["request_id"] == "req-obs-1"
    assert request_line["route"] == STATUSES and request_line["status"] == 200
    assert request_line["level"] == "info" and request_line["timestamp"].endswith("Z")
    trace_id = request_line["trace_id"]
    assert len(trace_id) == 32
    assert all(line.get("request_id") == "req-obs-1" for line in in_request)
    assert all(line.get("trace_id") == trace_id for line in in_request)

    log_lines.truncate(0)
    log_lines.seek(0)
    await drain(registry=registry)
    handled = [line for line in _lines(log_lines) if line.get("logger") == "probe"]
    assert {line["event"] for line in handled} == {
        "handled by structlog",
        "handled by the standard library",
    }
    for line in handled:
        assert line["request_id"] == "req-obs-1"  # carried in the event
        assert line["trace_id"] == trace_id  # the request's trace, continued
        assert line["event_kind"] == "status.created"
        assert line["queue"] in ("probe", "embedded")


def test_log_format_auto_is_console_on_a_terminal_and_json_otherwise() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wants_json("auto", io.StringIO()) is True
    assert wants_json("auto", Tty()) is False
    assert wants_json("json", Tty()) is True
    assert wants_json("console", io.StringIO()) is False


def test_console_rendering_is_human_readable() -> None:
    record = logging.LogRecord("roost.test", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    text = formatter(json=False).format(record)
    assert "hello you" in text and not text.startswith("{")


def test_lines_outside_any_span_have_no_trace_id() -> None:
    assert add_trace_ids(None, "info", {"event": "x"}) == {"event": "x"}

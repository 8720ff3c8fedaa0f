"""structlog over the standard library: one pipeline for Roost's and libraries' log lines.

Every line passes the same processors: the context bound for the current request or
event handler (``request_id``, ``trace_id``, ``span_id``, event ids), the level, the
logger name and a UTC timestamp; then it is rendered as one JSON object per line, or,
for a person at a terminal, as coloured console text (``ROOST_LOG_FORMAT``: auto picks
console when stderr is a TTY, JSON otherwise). Modules keep using ``logging.getLogger``
or ``structlog.get_logger``; both end up here.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, TYPE_CHECKING, Any

import orjson
import structlog
from opentelemetry import trace

from roost.observability.tracing import ids_of

if TYPE_CHECKING:
    from roost.settings import Settings

_structlog_ready = False


def add_trace_ids(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """``trace_id``/``span_id`` of the current span, unless the context already bound them."""
    if "trace_id" not in event_dict:
        ids = ids_of(trace.get_current_span())
        if ids is not None:
            event_dict["trace_id"], event_dict["span_id"] = ids
    return event_dict


def shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_ids,
        structlog.processors.StackInfoRenderer(),
    ]


def configure_structlog() -> None:
    """Route structlog loggers through the standard library (once per process).

    Without a handler (tests, embedding) the standard library decides what is shown;
    ``configure_logging`` installs the JSON or console handler for Roost's processes.
    """
    global _structlog_ready
    if _structlog_ready:
        return
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _structlog_ready = True


def _json_dumps(value: Any, **_kw: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def formatter(*, json: bool, colors: bool = False) -> logging.Formatter:
    """The formatter of Roost's handler: JSON lines, or console text."""
    renderer: Any
    if json:
        renderer = structlog.processors.JSONRenderer(serializer=_json_dumps)
        final = [structlog.processors.dict_tracebacks, renderer]
    else:
        final = [structlog.dev.ConsoleRenderer(colors=colors)]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )


def wants_json(log_format: str, stream: IO[str]) -> bool:
    if log_format == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (isatty is not None and isatty())
    return log_format == "json"


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log line of this process to ``stream`` (stderr) in the configured format."""
    configure_structlog()
    out = stream if stream is not None else sys.stderr
    json = wants_json(str(settings.log_format), out)
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter(json=json, colors=not json and stream is None))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_roost", False):
            root.removeHandler(old)
    handler._roost = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(str(settings.log_level).upper())
    # Uvicorn's loggers propagate here instead of printing in their own format.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler

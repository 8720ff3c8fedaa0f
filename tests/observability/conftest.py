"""Fixtures of the observability tests: spans kept in memory by the SDK's own exporter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from roost.observability import tracing


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span this process finishes, exported synchronously to memory."""
    exporter = InMemorySpanExporter()
    tracing.use_exporter(exporter)
    try:
        yield exporter
    finally:
        tracing.reset_tracing()

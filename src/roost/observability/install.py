"""Wiring: observability for an API app (``install_observability``, ``observability_lifespan``)
and for a worker process (``worker_observability``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest, start_http_server

from roost.observability import backlog, collectors, tracing
from roost.observability.http import ObservabilityMiddleware
from roost.observability.logs import configure_structlog

if TYPE_CHECKING:
    from roost.settings import Settings
    from roost.workers.context import WorkerContext

METRICS_PATH = "/metrics"


async def metrics_endpoint(_request: Request) -> Response:
    """Prometheus text exposition of this process's registry."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def prepare_process(settings: Settings) -> None:
    """What every Roost process needs once: structlog's pipeline, the tracer, the collector."""
    configure_structlog()
    tracing.configure_tracing(settings)
    collectors.install_collector()


def install_observability(app: FastAPI, settings: Settings) -> None:
    """Request ids, server spans, request metrics and ``/metrics`` on this app.

    Call it after every other ``add_middleware``: the last one added is the outermost,
    so the span and the request id cover the other middlewares' answers (429, 413...).
    """
    prepare_process(settings)
    app.add_middleware(ObservabilityMiddleware)
    if settings.metrics_enabled:
        app.add_route(METRICS_PATH, metrics_endpoint, methods=["GET"], include_in_schema=False)


@asynccontextmanager
async def observability_lifespan(app: FastAPI, *, background: bool = True) -> AsyncIterator[None]:
    """For the app's lifespan (after ``app.state.roost`` is set): the scrape-time sources
    and, when ``background`` (the process runs background tasks, as ``roost serve`` does;
    tests do not), the backlog refresher."""
    state = app.state.roost
    async with _process_observability(
        settings=state.settings,
        db=state.db,
        redis=state.redis,
        keys=state.keys,
        dependencies=state.dependencies,
        background=background,
    ):
        yield


@asynccontextmanager
async def worker_observability(
    ctx: WorkerContext, *, metrics_port: int | None = None, metrics_host: str = "127.0.0.1"
) -> AsyncIterator[None]:
    """For ``roost worker``: the same sources and refresher, and, given a port, a
    Prometheus endpoint on it (prometheus-client's own HTTP server, in a thread)."""
    prepare_process(ctx.settings)
    server: Any = None
    if metrics_port is not None:
        server, _thread = start_http_server(metrics_port, addr=metrics_host)
    try:
        async with _process_observability(
            settings=ctx.settings,
            db=ctx.db,
            redis=ctx.redis,
            keys=ctx.keys,
            dependencies=ctx.dependencies,
            background=True,
        ):
            yield
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


@asynccontextmanager
async def _process_observability(
    *, settings: Settings, db: Any, redis: Any, keys: Any, dependencies: Any, background: bool
) -> AsyncIterator[None]:
    sources = collectors.Sources(dependencies=dependencies, db=db)
    collectors.register(sources)
    refresher = backlog.BacklogRefresher(
        db=db,
        redis=redis,
        keys=keys,
        interval=settings.metrics_refresh_seconds if background else 0,
    )
    refresher.start()
    try:
        yield
    finally:
        await refresher.stop()
        collectors.unregister(sources)
        tracing.shutdown_tracing()

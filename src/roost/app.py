"""The composition root: builds the FastAPI app and wires every domain into it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from roost import __version__
from roost.cache.keys import Keys
from roost.cache.redis_client import create_redis
from roost.db import Database
from roost.events.publisher import Publisher
from roost.oauth.revocations import RevocationListener
from roost.observability.install import install_observability, observability_lifespan
from roost.protection.install import install_protection
from roost.settings import Settings
from roost.streaming.hubs import forget_hub, open_hub
from roost.web.errors import install_error_handlers
from roost.web.null_bytes import RejectNullBytes
from roost.web.openapi import install_openapi
from roost.web.responses import OrjsonResponse
from roost.web.state import AppState
from roost.workers.bus import worker_context
from roost.workers.handlers import load_handlers
from roost.workers.runtime import WorkerRuntime


def create_app(
    settings: Settings | None = None, *, run_workers: bool = False, run_relay: bool | None = None
) -> FastAPI:
    """Build the app; the database engine opens with the lifespan and closes after it.

    ``run_workers`` also runs the workers (and ``run_relay``, by default the same, the
    outbox relay) in this process for as long as the app lives; tests leave both off
    and drain the workers themselves, so they control time.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Timeouts, retries and a circuit breaker per dependency (roost.resilience).
        db = Database.from_settings(settings)
        redis = create_redis(settings)
        keys = Keys(settings.redis_prefix)
        ctx = worker_context(settings=settings, db=db, redis=redis, keys=keys)
        app.state.roost = AppState(
            settings=settings, db=db, redis=redis, keys=keys, dependencies=ctx.dependencies
        )
        # Commit, then publish: every committed event goes to the bus and inline listeners.
        load_handlers(settings)
        publisher = Publisher(ctx)
        db.after_commit = publisher.after_commit
        relay = run_workers if run_relay is None else run_relay
        runtime = WorkerRuntime(
            publisher.ctx, wake=publisher.wake, workers=run_workers, relay=relay
        )
        runtime.start()
        # Live streams: this process listens only to the channels its clients asked for.
        app.state.stream_hub = open_hub(settings=settings, redis=redis, keys=keys)
        # Scaled out, tokens revoked by other processes are forgotten here at once.
        listener = (
            RevocationListener(settings=settings, db=db, keys=keys) if redis is not None else None
        )
        app.state.revocation_listener = listener
        if listener is not None:
            listener.start()
        try:
            async with observability_lifespan(app, background=relay):
                yield
        finally:
            await app.state.stream_hub.close()
            forget_hub(settings, app.state.stream_hub)
            if listener is not None:
                await listener.stop()
            await runtime.stop()
            if redis is not None:
                await redis.aclose()
            await db.dispose()

    app = FastAPI(
        title="Roost",
        version=__version__,
        lifespan=lifespan,
        default_response_class=OrjsonResponse,
    )
    install_error_handlers(app)
    app.add_middleware(RejectNullBytes)
    # Rate limits, size limits, security headers, CORS: outside the app's own checks.
    install_protection(app, settings)
    # Last: its middleware is the outermost (request id and span cover every answer).
    install_observability(app, settings)
    _include_routers(app)
    install_openapi(app)
    return app


def _include_routers(app: FastAPI) -> None:
    from roost.accounts.api import router as accounts_router
    from roost.accounts.credentials_api import router as credentials_router
    from roost.health.api import router as health_router
    from roost.instance.api import router as instance_router
    from roost.media.api import router as media_router
    from roost.notifications.api import router as notifications_router
    from roost.oauth.api import router as oauth_router
    from roost.search.api import router as search_router
    from roost.statuses.api import router as statuses_router
    from roost.streaming.api import router as streaming_router
    from roost.tags.api import router as tags_router
    from roost.timelines.api import router as timelines_router
    from roost.trends.api import router as trends_router

    for router in (
        health_router,
        instance_router,
        oauth_router,
        credentials_router,
        accounts_router,
        statuses_router,
        timelines_router,
        streaming_router,
        notifications_router,
        media_router,
        search_router,
        trends_router,
        tags_router,
    ):
        app.include_router(router)

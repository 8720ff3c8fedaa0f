"""/metrics: request, cache, fan-out, backlog, breaker and pool metrics after real requests.

The registry is the process's (prometheus-client's idiom), shared by every app a test
session builds, so counters are compared before and after.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from prometheus_client import REGISTRY

from roost.events.outbox import Event
from roost.observability import backlog, collectors, metrics
from roost.resilience.breaker import CircuitBreaker
from roost.resilience.degradation import Dependencies
from roost.workers.context import WorkerContext
from roost.workers.registry import Registry
from tests.observability.support import any_value, scrape, total, value

STATUSES = "/api/v1/statuses"
HOME = "/api/v1/timelines/home"


async def test_requests_are_counted_per_route_template_and_status(alice: Any) -> None:
    client: httpx.AsyncClient = alice.http
    before = await scrape(client)
    posted = await alice.post(STATUSES, data={"status": "hello metrics"})
    assert posted.status_code == 200
    status_id = posted.json()["id"]
    assert (await alice.get(f"{STATUSES}/{status_id}")).status_code == 200
    assert (await alice.get(f"{STATUSES}/123456789")).status_code == 404
    assert (await client.get("/no/such/route")).status_code == 404
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = f"{STATUSES}/{{id}}"
    assert route in {s.get("route") for s in _series(after, "roost_http_requests_total")}
    assert delta("roost_http_requests_total", method="POST", route=STATUSES, status="200") == 1
    assert delta("roost_http_requests_total", method="GET", route=route, status="200") == 1
    assert delta("roost_http_requests_total", method="GET", route=route, status="404") == 1
    assert delta("roost_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    # Raw paths never become label values (bounded cardinality).
    assert not any(
        status_id in s.get("route", "") for s in _series(after, "roost_http_requests_total")
    )
    count = "roost_http_request_duration_seconds_count"
    assert delta(count, method="POST", route=STATUSES, status="200") == 1
    took = delta("roost_http_request_duration_seconds_sum", method="POST", route=STATUSES,
                 status="200")  # fmt: skip
    assert 0 < took < 30
    # Every bucket of a histogram is cumulative: the +Inf bucket holds the request.
    inf_bucket = "roost_http_request_duration_seconds_bucket"
    assert delta(inf_bucket, method="POST", route=STATUSES, status="200", le="+Inf") == 1
    assert value(after, "roost_http_requests_in_progress") >= 1  # the scrape itself


async def test_request_id_header_is_made_or_kept_when_sane(client: httpx.AsyncClient) -> None:
    made = await client.get("/api/v1/instance")
    assert len(made.headers["x-request-id"]) == 32
    kept = await client.get("/api/v1/instance", headers={"X-Request-Id": "lb-7f3a.42"})
    assert kept.headers["x-request-id"] == "lb-7f3a.42"
    odd = await client.get("/api/v1/instance", headers={"X-Request-Id": "a b\tc" + "x" * 200})
    assert odd.headers["x-request-id"] != "a b\tc" + "x" * 200
    assert len(odd.headers["x-request-id"]) == 32
    missing = await client.get("/no/such/route")
    assert missing.status_code == 404 and "x-request-id" in missing.headers


async def test_breakers_level_and_pool_are_exported(app: Any, client: httpx.AsyncClient) -> None:
    samples = await scrape(client)
    assert value(samples, "roost_breaker_state", dependency="database", state="closed") == 1
    assert value(samples, "roost_breaker_state", dependency="database", state="open") == 0
    assert value(samples, "roost_breaker_state_value", dependency="database") == 0
    has_redis = app.state.roost.redis is not None
    redis_series = value(samples, "roost_breaker_state", dependency="redis", state="closed")
    assert redis_series == (1 if has_redis else 0)
    assert value(samples, "roost_degradation_level") == 0
    assert any_value(samples, "roost_db_pool_size") >= 1
    in_use = value(samples, "roost_db_pool_connections", state="checked_out")
    idle = value(samples, "roost_db_pool_connections", state="idle")
    assert in_use >= 0 and idle >= 0


async def test_an_open_breaker_shows_in_state_and_level(
    app: Any, client: httpx.AsyncClient
) -> None:
    # A process's own breakers, registered as the scrape's source (the latest one wins),
    # so opening them does not disturb the app under test.
    dependencies = Dependencies(
        {"database": CircuitBreaker("database"), "redis": CircuitBreaker("redis")}
    )
    sources = collectors.Sources(dependencies=dependencies, db=app.state.roost.db)
    collectors.register(sources)
    try:
        dependencies.breakers["redis"].trip("test")
        samples = await scrape(client)
        assert value(samples, "roost_breaker_state", dependency="redis", state="open") == 1
        assert value(samples, "roost_breaker_state", dependency="redis", state="closed") == 0
        assert value(samples, "roost_breaker_state_value", dependency="redis") == 2
        assert value(samples, "roost_degradation_level") == 2
        dependencies.breakers["database"].trip("test")
        samples = await scrape(client)
        assert value(samples, "roost_breaker_state_value", dependency="database") == 2
        assert value(samples, "roost_degradation_level") == 3
    finally:
        collectors.unregister(sources)
    assert value(await scrape(client), "roost_degradation_level") == 0  # the app's again


async def test_home_reads_count_rebuilds_and_hits_and_the_status_cache(
    alice: Any, bob: Any, drain: Any
) -> None:
    assert (await bob.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
    for n in range(3):
        assert (await alice.post(STATUSES, data={"status": f"post {n}"})).status_code == 200
    await drain()
    before = await scrape(bob.http)
    first = await bob.get(HOME)
    second = await bob.get(HOME)
    assert first.status_code == second.status_code == 200
    assert len(second.json()) == 3
    after = await scrape(bob.http)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    reads = delta("roost_home_timeline_reads_total", result="hit") + delta(
        "roost_home_timeline_reads_total", result="rebuild"
    )
    assert reads == 2
    assert delta("roost_home_timeline_reads_total", result="hit") >= 1  # the second read
    lookups = delta("roost_status_cache_requests_total", result="hit") + delta(
        "roost_status_cache_requests_total", result="miss"
    )
    assert lookups >= 6  # both reads looked up the three statuses
    assert delta("roost_status_cache_requests_total", result="hit") >= 3  # the second read


async def test_fanout_lag_is_observed_when_a_post_is_fanned_out(
    alice: Any, bob: Any, drain: Any
) -> None:
    assert (await bob.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
    await drain()
    before = await scrape(alice.http)
    assert (await alice.post(STATUSES, data={"status": "fan me out"})).status_code == 200
    await drain()
    after = await scrape(alice.http)
    name = "roost_fanout_lag_seconds"
    count = value(after, f"{name}_count", kind="status.created") - value(
        before, f"{name}_count", kind="status.created"
    )
    lag = value(after, f"{name}_sum", kind="status.created") - value(
        before, f"{name}_sum", kind="status.created"
    )
    assert count == 1
    assert 0 <= lag < 30
    handled = total(after, "roost_worker_events_total", kind="status.created", outcome="ok")
    assert handled >= 1


async def test_backlog_gauges_follow_the_outbox_and_the_consumer_groups(
    app: Any, alice: Any, drain: Any
) -> None:
    state = app.state.roost
    await drain()  # consumer groups exist (scaled out), the outbox is empty
    assert (await alice.post(STATUSES, data={"status": "backlog"})).status_code == 200
    assert await backlog.refresh_once(db=state.db, redis=state.redis, keys=state.keys)
    pending = await scrape(alice.http)
    if state.redis is None:
        assert value(pending, "roost_outbox_size") >= 1  # embedded: the outbox is the queue
    else:
        assert value(pending, "roost_stream_length", stream="events") >= 1
        assert value(pending, "roost_stream_lag", group="timelines") >= 1
        assert value(pending, "roost_stream_pending", group="timelines") == 0
    await drain()
    assert await backlog.refresh_once(db=state.db, redis=state.redis, keys=state.keys)
    done = await scrape(alice.http)
    assert value(done, "roost_outbox_size") == 0
    assert value(done, "roost_outbox_oldest_age_seconds") == 0
    assert value(done, "roost_dead_letters") == 0
    assert value(done, "roost_backlog_refreshed_timestamp_seconds") > 0
    if state.redis is not None:
        assert value(done, "roost_stream_pending", group="timelines") == 0
        assert value(done, "roost_stream_lag", group="timelines") == 0


async def test_the_background_refresher_refreshes_by_itself(app: Any) -> None:
    state = app.state.roost
    name = "roost_backlog_refreshed_timestamp_seconds"
    metrics.BACKLOG_REFRESHED.set(0)
    refresher = backlog.BacklogRefresher(
        db=state.db, redis=state.redis, keys=state.keys, interval=0.05
    )
    refresher.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if REGISTRY.get_sample_value(name):
                break
            await asyncio.sleep(0.01)
        assert (REGISTRY.get_sample_value(name) or 0) > 0
    finally:
        await refresher.stop()


def _series(samples: Any, name: str) -> list[dict[str, str]]:
    return [dict(labels) for (n, labels) in samples if n == name]


async def test_failed_handlers_and_dead_letters_are_counted(
    app: Any, alice: Any, drain: Any
) -> None:
    registry = Registry()

    @registry.handler("broken", "status.created")
    async def always_fails(event: Event, ctx: WorkerContext) -> None:
        raise ValueError("this handler is broken")

    state = app.state.roost
    await drain(registry=registry)
    before = await scrape(alice.http)
    assert (await alice.post(STATUSES, data={"status": "doomed"})).status_code == 200
    await drain(registry=registry)  # retried until it reaches the dead letters
    assert await backlog.refresh_once(db=state.db, redis=state.redis, keys=state.keys)
    after = await scrape(alice.http)
    queue = "embedded" if state.redis is None else "broken"
    labels = {"queue": queue, "kind": "status.created", "outcome": "failed"}
    failed = value(after, "roost_worker_events_total", **labels) - value(
        before, "roost_worker_events_total", **labels
    )
    assert failed == state.settings.max_deliveries
    assert value(after, "roost_dead_letters") == 1

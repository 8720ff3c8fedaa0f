"""/health, /livez and /readyz, and an open database breaker (both deployments)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from roost.statuses.schema import statuses
from tests.conftest import Actor


async def test_health_reports_level_zero_and_every_dependency(
    app: Any, client: httpx.AsyncClient
) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == 0
    expected = {"database", "redis"} if app.state.roost.redis is not None else {"database"}
    assert set(body["dependencies"]) == expected
    assert all(dep["state"] == "closed" for dep in body["dependencies"].values())


async def test_livez_and_readyz_answer_200_when_all_is_well(client: httpx.AsyncClient) -> None:
    assert (await client.get("/livez")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "level": 0, "reason": "ok"}


async def test_an_open_database_breaker_means_level_3_503_and_nothing_written(
    app: Any, client: httpx.AsyncClient, alice: Actor
) -> None:
    dependencies = app.state.roost.dependencies
    assert dependencies.database is app.state.roost.db.breaker
    dependencies.database.trip("test: database down")
    health = (await client.get("/health")).json()
    assert health["level"] == 3
    assert health["dependencies"]["database"]["state"] == "open"

    posted = await alice.post("/api/v1/statuses", json={"status": "during the outage"})
    assert posted.status_code == 503
    assert posted.json()["error"]
    assert 1 <= int(posted.headers["Retry-After"]) <= 60  # breaker_open_seconds here
    # A read the caches cannot answer is 503 too (not 500).
    assert (await alice.get(f"/api/v1/accounts/{alice.id}")).status_code == 503

    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["Retry-After"]
    assert ready.json()["ready"] is False
    assert (await client.get("/livez")).status_code == 200

    # Back: the breaker closes after its probes; the post was never stored.
    dependencies.database.record_success()  # (closed by hand: the probe's job)
    _close(dependencies.database)
    assert (await client.get("/health")).json()["level"] == 0
    async with app.state.roost.db.read() as conn:
        count = (await conn.execute(select(func.count()).select_from(statuses))).scalar_one()
    assert count == 0
    retried = await alice.post("/api/v1/statuses", json={"status": "after the outage"})
    assert retried.status_code == 200


def _close(breaker: Any) -> None:
    """Drive an open breaker to closed through its real transitions."""
    breaker._opened_at -= breaker.open_seconds
    while breaker.state.value != "closed":
        assert breaker.allow()
        breaker.record_success()

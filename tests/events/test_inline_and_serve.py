"""Inline after-commit listeners, and `serve`'s in-process workers, on both deployments."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from roost.accounts.service import create_account
from roost.app import create_app
from roost.events.inline import after_commit
from roost.events.outbox import Event, record_event
from roost.oauth import queries as oauth_queries
from roost.oauth.scopes import parse_scopes
from roost.oauth.secrets import digest, new_secret
from roost.oauth.service import issue_token
from roost.workers.context import WorkerContext
from roost.workers.registry import default_registry

inline_seen: list[tuple[str, int]] = []


@after_commit("test.inline", "test.inline-broken")
async def _remember(event: Event, ctx: WorkerContext) -> None:
    if event.kind == "test.inline-broken":
        raise RuntimeError("a broken listener")
    inline_seen.append((event.kind, event.id))


async def test_inline_listeners_run_right_after_commit_and_never_after_rollback(db):
    inline_seen.clear()
    async with db.write() as conn:
        event = await record_event(conn, kind="test.inline", payload={})
        assert inline_seen == []  # not before the commit
    assert inline_seen == [("test.inline", event.id)]
    try:
        async with db.write() as conn:
            await record_event(conn, kind="test.inline", payload={})
            raise LookupError
    except LookupError:
        pass
    assert inline_seen == [("test.inline", event.id)]


async def test_a_broken_inline_listener_does_not_fail_the_write(db):
    async with db.write() as conn:
        await record_event(conn, kind="test.inline-broken", payload={})


async def test_an_app_with_workers_handles_posts_by_itself(settings: Any) -> None:
    """What `roost serve` runs: API, relay and workers in one process, with or without Redis."""
    served: list[int] = []

    async def serve_probe(event: Event, ctx: WorkerContext) -> None:
        served.append(event.payload["status_id"])

    default_registry.add("test-serve", ("status.created",), serve_probe)
    try:
        await _post_and_wait(settings, served)
    finally:
        default_registry._handlers.pop("test-serve")


async def _post_and_wait(settings: Any, served: list[int]) -> None:
    fast = settings.model_copy(update={"relay_interval_seconds": 0.1})
    application = create_app(fast, run_workers=True)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            db = application.state.roost.db
            if not db.is_sqlite:
                from tests.conftest import _truncate_postgres

                await _truncate_postgres(db)
            async with db.write() as conn:
                app_id = await oauth_queries.insert_application(
                    conn, name="t", website=None, redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                    scopes="write", client_id=new_secret(), client_secret_hash=digest("x"),
                )  # fmt: skip
                account_id = await create_account(
                    conn, username="zed", email="zed@example.com", password="zed-password"
                )
                token = await issue_token(
                    conn, application_id=app_id, account_id=account_id, scopes=parse_scopes("write")
                )
            answer = await http.post(
                "/api/v1/statuses",
                headers={"Authorization": f"Bearer {token.token}"},
                json={"status": "served"},
            )
            status_id = int(answer.json()["id"])
            for _ in range(100):
                if served:
                    break
                await asyncio.sleep(0.05)
    assert served == [status_id]
    if settings.redis_url:
        from tests.conftest import _delete_redis_prefix

        await _delete_redis_prefix(settings)

"""The bench-only app: the production app plus two baseline routes, never in production.

- ``GET /bench/pull``: the home timeline as the plain SQL pull query (statuses of the
  followed accounts, newest 20, filtered and rendered exactly as the home timeline
  was before the engine), behind the same token check, rendering and ``json_response``
  as ``/api/v1/timelines/home``. The "SQL pull baseline".
- ``GET /bench/hello``: a real 20-status home page rendered once and then served from
  memory as bytes, no token, no database: the framework's ceiling for a page that size.

Run it with ``uvicorn --factory roost.bench.app:create_bench_app`` (settings from the
environment, as ``roost serve``); ``ROOST_BENCH_WORKERS=1`` also runs the workers in
process (``roost serve`` without ``--no-workers``).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from sqlalchemy import or_, select

from roost.accounts.schema import follows
from roost.app import create_app
from roost.db.paging import Page, in_page_order, paginate
from roost.oauth.service import Viewer
from roost.settings import Settings
from roost.statuses.entities import render_statuses
from roost.statuses.schema import statuses
from roost.web.auth import user_with_scope
from roost.web.pagination import link_header, page_params
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

HELLO_PAGE_SIZE = 20


def create_bench_app() -> FastAPI:
    """The production app (settings from the environment) with the baseline routes added."""
    settings = Settings()
    workers = os.environ.get("ROOST_BENCH_WORKERS") == "1"
    app = create_app(settings, run_workers=workers, run_relay=True)  # as `roost serve`
    hello = _HelloPage()

    @app.get("/bench/pull")
    async def pull(
        request: Request,
        viewer: Viewer = Depends(user_with_scope("read:statuses")),
        page: Page = Depends(page_params(default=20, maximum=40)),
        state: AppState = Depends(get_state),
    ) -> Response:
        assert viewer.account_id is not None
        statuses, cursors = await pull_page(state, viewer.account_id, page)
        return json_response(statuses, headers=link_header(request, cursors))

    @app.get("/bench/hello")
    async def hello_page(request: Request) -> Response:
        body = await hello.body(get_state(request))
        return Response(body, media_type="application/json; charset=utf-8")

    return app


async def pull_page(
    state: AppState, account_id: int, page: Page
) -> tuple[list[dict[str, Any]], list[int]]:
    """The issue's baseline: the plain SQL pull query (statuses of followed accounts and
    one's own, newest first) rendered in the same read transaction, as a server without a
    timeline engine would answer. Roost's own reference query (all of Mastodon's home
    rules) is heavier; the baseline is the plain one."""
    async with state.db.read() as conn:
        followed = select(follows.c.target_account_id).where(follows.c.account_id == account_id)
        query = select(statuses).where(
            or_(statuses.c.account_id == account_id, statuses.c.account_id.in_(followed))
        )
        rows = list((await conn.execute(paginate(query, statuses.c.id, page))).mappings())
        rows = in_page_order(rows, page)
        rendered = await render_statuses(
            conn, rows=rows, viewer_account_id=account_id, settings=state.settings
        )
    return rendered, [row["id"] for row in rows]


class _HelloPage:
    """A real full home page, rendered on first use and kept as bytes."""

    def __init__(self) -> None:
        self._body: bytes | None = None
        self._lock = asyncio.Lock()

    async def body(self, state: AppState) -> bytes:
        if self._body is None:
            async with self._lock:
                if self._body is None:
                    self._body = await self._render(state)
        return self._body

    async def _render(self, state: AppState) -> bytes:
        import orjson
        from sqlalchemy import select

        from roost.accounts.schema import accounts

        # The account following the most others: its home page is surely full.
        async with state.db.read() as conn:
            account_id = (
                await conn.execute(
                    select(accounts.c.id).order_by(accounts.c.following_count.desc()).limit(1)
                )
            ).scalar_one()
        statuses, _ = await pull_page(state, account_id, Page(limit=HELLO_PAGE_SIZE))
        return orjson.dumps(statuses)

"""Commit, then publish: the after-commit hook the app wiring sets on ``Database``.

Scaled out, the committed events are appended to the Redis stream at once and their
outbox rows deleted; if Redis cannot take them the rows stay and the relay retries.
Embedded, the in-process drainer is woken (it reads the outbox itself). Either way
the inline listeners then run in this process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from roost.events import store
from roost.events.inline import run_listeners
from roost.events.outbox import Event
from roost.events.streams import append_events
from roost.workers.context import WorkerContext

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self.wake = asyncio.Event()  # set when the outbox has something new (embedded)

    async def after_commit(self, items: list[Any]) -> None:
        """The ``Database.after_commit`` hook: never raises, the commit already happened."""
        events = [item for item in items if isinstance(item, Event)]
        if not events:
            return
        if self.ctx.redis is not None:
            await self.publish(events)
        else:
            self.wake.set()
        await run_listeners(events, self.ctx)

    async def publish(self, events: Sequence[Event]) -> bool:
        """Append to the stream, then forget the outbox rows; False (rows kept) on failure."""
        ctx = self.ctx
        assert ctx.redis is not None
        try:
            await append_events(ctx.redis, ctx.keys, ctx.settings, events)
        except Exception:
            log.warning("publishing %d event(s) failed; the relay will retry", len(events))
            return False
        try:
            async with ctx.db.write() as conn:
                await store.delete_events(conn, [event.id for event in events])
        except Exception:
            # Published but still in the outbox: the relay publishes it again (at least once).
            log.warning("could not delete %d published outbox row(s)", len(events))
        return True

"""Inline after-commit listeners: run in the process that committed, before any worker.

Best effort: an error is logged and the event still reaches the workers, so a
listener may only do what a worker handler would redo anyway (for example put the
author's own status at the top of their home timeline at once).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from roost.events.outbox import Event
from roost.resilience.transient import is_outage

if TYPE_CHECKING:
    from roost.workers.context import WorkerContext

Listener = Callable[[Event, "WorkerContext"], Awaitable[None]]

log = logging.getLogger(__name__)
_listeners: dict[str, list[Listener]] = {}


def after_commit(*kinds: str) -> Callable[[Listener], Listener]:
    """Register ``async def fn(event, ctx)`` to run right after an event of a kind commits."""

    def register(fn: Listener) -> Listener:
        for kind in kinds:
            if fn not in _listeners.setdefault(kind, []):
                _listeners[kind].append(fn)
        return fn

    return register


async def run_listeners(events: Sequence[Event], ctx: WorkerContext) -> None:
    for event in events:
        for listener in _listeners.get(event.kind, ()):
            try:
                await listener(event, ctx)
            except Exception as exc:
                if is_outage(exc):  # a dependency is down (it shows in /health): no traceback
                    log.warning(
                        "inline listener %s skipped on %s: %s", listener.__name__, event.kind, exc
                    )
                else:
                    log.exception("inline listener %s failed on %s", listener.__name__, event.kind)

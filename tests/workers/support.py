"""A registry of recording (or failing) handlers, for tests of the machinery itself."""

from __future__ import annotations

from collections import Counter
from typing import Any

from roost.events.outbox import Event
from roost.workers.bus import worker_context
from roost.workers.context import WorkerContext
from roost.workers.registry import Registry


class Recorder:
    """Handlers that count every event they are given, per queue."""

    def __init__(self, *queues: str, kinds: tuple[str, ...] = ("probe",)) -> None:
        self.registry = Registry()
        self.seen: dict[str, Counter[int]] = {queue: Counter() for queue in queues}
        self.calls: list[tuple[str, int]] = []
        for queue in queues:
            self.registry.add(queue, kinds, self._record(queue))

    def _record(self, queue: str) -> Any:
        async def record(event: Event, ctx: WorkerContext) -> None:
            self.seen[queue][event.id] += 1
            self.calls.append((queue, event.id))

        record.__name__ = f"record_{queue}"
        return record


def context_of(app: Any, **changes: Any) -> WorkerContext:
    """The worker context of the app under test, with some settings changed."""
    state = app.state.roost
    settings = state.settings.model_copy(update=changes) if changes else state.settings
    return worker_context(settings=settings, db=state.db, redis=state.redis, keys=state.keys)

"""Which handlers each queue (worker kind) runs for which event kinds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from roost.events.outbox import Event
from roost.workers.context import WorkerContext

Handler = Callable[[Event, WorkerContext], Awaitable[None]]


class Registry:
    """Handlers by queue and event kind. Handlers must be idempotent: delivery is at least once."""

    def __init__(self) -> None:
        self._handlers: dict[str, dict[str, list[Handler]]] = {}

    def handler(self, queue: str, *kinds: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.add(queue, kinds, fn)
            return fn

        return register

    def add(self, queue: str, kinds: tuple[str, ...], fn: Handler) -> None:
        by_kind = self._handlers.setdefault(queue, {})
        for kind in kinds:
            if fn not in by_kind.setdefault(kind, []):
                by_kind[kind].append(fn)

    def queues(self) -> list[str]:
        return sorted(self._handlers)

    def handlers(self, queue: str, kind: str) -> list[Handler]:
        return list(self._handlers.get(queue, {}).get(kind, ()))

    def all_handlers(self, kind: str, queues: list[str] | None = None) -> list[Handler]:
        """The handlers of a kind in every queue (or the given ones): embedded runs them all."""
        chosen = self.queues() if queues is None else queues
        return [fn for queue in chosen for fn in self.handlers(queue, kind)]


default_registry = Registry()


def handler(queue: str, *kinds: str) -> Callable[[Handler], Handler]:
    """Register ``async def fn(event, ctx)`` on ``queue`` for the given event kinds."""
    return default_registry.handler(queue, *kinds)

"""The modules whose import registers worker handlers (and inline listeners)."""

from __future__ import annotations

import importlib

from roost.settings import Settings
from roost.workers.registry import Registry, default_registry

HANDLER_MODULES: list[str] = [
    "roost.timelines.tasks",
    "roost.notifications.tasks",
    "roost.media.tasks",
    "roost.streaming.tasks",
    "roost.search.tasks",
    "roost.trends.tasks",
]


def load_handlers(settings: Settings | None = None) -> Registry:
    """Import every handler module (and ``worker_modules``) once; the default registry
    then knows every queue."""
    extra = (settings.worker_modules or "").split(",") if settings is not None else []
    for name in [*HANDLER_MODULES, *(item.strip() for item in extra if item.strip())]:
        importlib.import_module(name)
    return default_registry

"""The one error that means "a dependency is down, try again later"."""

from __future__ import annotations


class DependencyUnavailable(Exception):
    """A dependency (``"database"`` or ``"redis"``) cannot serve this call.

    Raised by the guarded database and Redis client when the dependency's breaker is
    open, or when a call failed with a transient error after its retries. The web
    layer answers it with 503 ``{"error": message}`` and a ``Retry-After`` header of
    ``retry_after`` seconds; workers treat it as "not this entry's fault" and leave
    the entry to be retried (never dead-lettered).
    """

    def __init__(self, dependency: str, retry_after: int = 1, message: str | None = None) -> None:
        self.dependency = dependency
        self.retry_after = max(1, int(retry_after))
        self.message = message or f"Service temporarily unavailable ({dependency})"
        super().__init__(self.message)

"""Resilience: circuit breakers, retries, timeouts and degradation levels.

The guarded ``Database`` and Redis client raise ``DependencyUnavailable`` when a
dependency is down; the web layer answers it with 503 + Retry-After, and
``Dependencies.level()`` turns the breaker states into a degradation level.
"""

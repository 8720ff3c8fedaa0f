"""The rate-limit decision for one request: count it on every rule that applies.

Counters live in Redis when Roost has one, so every API process shares them, and in
this process otherwise (embedded). When a Redis call fails (an error, a timeout, or
the Redis breaker refusing the call with ``DependencyUnavailable``) the request is
counted in this process instead: limits then hold per process, loosely, rather than
requests failing or going unlimited while Redis is away (degradation level 2 keeps
serving). The next request tries Redis again; the breaker makes that cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from redis.exceptions import RedisError
from starlette.types import Scope

from roost.protection.counters import Hit, MemoryCounter, RedisCounter
from roost.protection.identity import Client, identify
from roost.protection.rules import Per, Rule, RuleSet, is_api
from roost.resilience.errors import DependencyUnavailable
from roost.web.state import AppState

log = structlog.get_logger(__name__)

# What a Redis call may raise when Redis is unavailable: count in memory then.
REDIS_FAILURES: tuple[type[BaseException], ...] = (
    RedisError,
    OSError,
    TimeoutError,
    DependencyUnavailable,
)


@dataclass(frozen=True)
class Decision:
    """What the X-RateLimit-* headers say: the rule closest to its limit (or past it)."""

    limit: int
    remaining: int
    reset: float  # epoch seconds when that rule's window ends
    exceeded: bool


class RateLimiter:
    """One per app (so two apps in one test process do not share memory counters)."""

    def __init__(self, rules: RuleSet, clock: Callable[[], float] = time.time) -> None:
        self.rules = rules
        self.clock = clock  # wall clock: every process must agree on the windows
        self.memory = MemoryCounter()
        self.shared = RedisCounter()
        self.degraded = False  # True while Redis fails and counters are in memory

    async def check(self, scope: Scope, state: AppState) -> Decision | None:
        """Count this request; None when no rule applies to it."""
        method, path = scope["method"], scope["path"]
        if not self.rules.may_apply(method, path):
            return None
        client = await identify(scope, state, want_account=is_api(path))
        rules = self.rules.matching(method, path, authenticated=client.account_id is not None)
        if not rules:
            return None
        now = self.clock()
        # One group per subject: its keys share a hash tag, so one script call each.
        groups: dict[str, list[tuple[Rule, Hit]]] = {}
        for rule in rules:
            subject, hit = _hit(rule, client, state, now)
            groups.setdefault(subject, []).append((rule, hit))
        results: list[tuple[Rule, int, float]] = []
        for group in groups.values():
            counts = await self._count(state, [hit for _, hit in group], now)
            results.extend(
                (rule, count, hit.ends_at) for (rule, hit), count in zip(group, counts, strict=True)
            )
        return _decide(results)

    async def _count(self, state: AppState, hits: list[Hit], now: float) -> list[int]:
        if state.redis is None:
            return self.memory.hit(hits, now)
        try:
            counts = await self.shared.hit(state.redis, hits, now)
        except REDIS_FAILURES as exc:
            if not self.degraded:
                log.warning("rate limits counted in this process: Redis failed", error=repr(exc))
                self.degraded = True
            return self.memory.hit(hits, now)
        if self.degraded:
            log.info("rate limits shared through Redis again")
            self.degraded = False
        return counts


def _hit(rule: Rule, client: Client, state: AppState, now: float) -> tuple[str, Hit]:
    window, ends_at = rule.window(now)
    name = f"ratelimit:{rule.name}:{window}"
    if rule.per is Per.account and client.account_id is not None:
        # In the account's hash slot, beside its other keys.
        return f"a{client.account_id}", Hit(state.keys.account(client.account_id, name), ends_at)
    return f"ip{client.ip}", Hit(state.keys.global_key(f"{name}:{{{client.ip}}}"), ends_at)


def _decide(results: list[tuple[Rule, int, float]]) -> Decision:
    exceeded = [(rule, ends_at) for rule, count, ends_at in results if count > rule.limit]
    if exceeded:
        # The latest reset among the exceeded rules: retrying then is sure to pass them.
        rule, ends_at = max(exceeded, key=lambda item: item[1])
        return Decision(limit=rule.limit, remaining=0, reset=ends_at, exceeded=True)
    rule, count, ends_at = min(results, key=lambda item: (item[0].limit - item[1], item[0].limit))
    return Decision(limit=rule.limit, remaining=rule.limit - count, reset=ends_at, exceeded=False)

"""The pure parts of rate limiting: which rules apply, whose requests count, the counters."""

from __future__ import annotations

import pytest

from roost.protection.counters import Hit, MemoryCounter
from roost.protection.identity import throttleable_ip
from roost.protection.limiter import _decide
from roost.protection.rate_limit import reset_text
from roost.protection.rules import Per, Rule, RuleSet, parse_rule
from roost.settings import Settings

RULES = RuleSet.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]


def _names(method: str, path: str, *, authenticated: bool) -> list[str]:
    return [rule.name for rule in RULES.matching(method, path, authenticated=authenticated)]


def test_mastodon_defaults() -> None:
    assert (RULES.authenticated.limit, RULES.authenticated.period) == (300, 300)
    assert (RULES.unauthenticated.limit, RULES.unauthenticated.period) == (300, 300)
    assert (RULES.sign_up.limit, RULES.sign_up.period, RULES.sign_up.per) == (5, 1800, Per.ip)
    assert (RULES.media.limit, RULES.media.period, RULES.media.per) == (30, 1800, Per.account)
    assert (RULES.deletes.limit, RULES.deletes.period) == (30, 1800)
    assert (RULES.sign_in.limit, RULES.sign_in.period) == (25, 300)


@pytest.mark.parametrize(
    ("method", "path", "authenticated", "expected"),
    [
        ("GET", "/api/v1/timelines/home", True, ["api"]),
        ("GET", "/api/v1/instance", False, ["api-ip"]),
        ("POST", "/api/v1/accounts", False, ["api-ip", "sign-up"]),
        ("POST", "/api/v1/accounts/", False, ["api-ip", "sign-up"]),
        ("GET", "/api/v1/accounts", False, ["api-ip"]),
        ("POST", "/api/v1/media", True, ["api", "media"]),
        ("POST", "/api/v2/media", True, ["api", "media"]),
        ("PUT", "/api/v1/media/5", True, ["api"]),
        ("DELETE", "/api/v1/statuses/123", True, ["api", "deletes"]),
        ("POST", "/api/v1/statuses/123/unreblog", True, ["api", "deletes"]),
        ("POST", "/api/v1/statuses/123/reblog", True, ["api"]),
        ("DELETE", "/api/v1/statuses/123", False, ["api-ip"]),
        ("POST", "/oauth/token", False, ["sign-in"]),
        ("POST", "/oauth/authorize", False, ["sign-in"]),
        ("GET", "/oauth/authorize", False, []),
        ("POST", "/oauth/revoke", False, []),
        ("GET", "/health", False, []),
        ("GET", "/apiary", False, []),
    ],
)
def test_rules_per_request(
    method: str, path: str, authenticated: bool, expected: list[str]
) -> None:
    assert _names(method, path, authenticated=authenticated) == expected


@pytest.mark.parametrize("text", ["lots", "300", "0 per minute", "300 per fortnight"])
def test_malformed_rules_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="rate limit 'media'"):
        parse_rule("media", text, Per.account)


def test_a_malformed_setting_stops_the_app() -> None:
    from roost.app import create_app

    with pytest.raises(ValueError, match="rate limit 'deletes'"):
        create_app(Settings(rate_limit_deletes="many", _env_file=None))  # type: ignore[call-arg]


def test_windows_are_aligned_to_the_epoch() -> None:
    rule = Rule(name="x", limit=1, period=300, per=Per.ip)
    assert rule.window(1_800_000_100.5) == (6_000_000, 1_800_000_300.0)
    assert rule.window(1_800_000_300.0) == (6_000_001, 1_800_000_600.0)
    assert reset_text(1_800_000_300.0) == "2027-01-15T08:05:00.000000Z"


@pytest.mark.parametrize(
    ("host", "counted_as"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        (None, "unknown"),
        ("testclient", "testclient"),
    ],
)
def test_throttleable_addresses(host: str | None, counted_as: str) -> None:
    assert throttleable_ip(host) == counted_as


def test_the_closest_rule_speaks_and_the_latest_reset_when_exceeded() -> None:
    general = Rule(name="api", limit=300, period=300, per=Per.account)
    media = Rule(name="media", limit=30, period=1800, per=Per.account)
    normal = _decide([(general, 10, 300.0), (media, 5, 1800.0)])
    assert (normal.limit, normal.remaining, normal.reset, normal.exceeded) == (
        30,
        25,
        1800.0,
        False,
    )
    both = _decide([(general, 301, 300.0), (media, 31, 1800.0)])
    assert (both.limit, both.remaining, both.reset, both.exceeded) == (30, 0, 1800.0, True)


def test_memory_counters_expire_with_their_window() -> None:
    counter = MemoryCounter()
    assert counter.hit([Hit("a", 100.0), Hit("b", 200.0)], now=50.0) == [1, 1]
    assert counter.hit([Hit("a", 100.0)], now=60.0) == [2]
    assert counter.hit([Hit("a", 100.0)], now=150.0) == [1]  # a stale window starts over
    assert len(counter) == 2
    counter.hit([Hit("c", 400.0)], now=250.0)  # the sweep (once a minute) drops ended windows
    assert len(counter) == 1

"""Which rate limits apply to a request: Mastodon's rules, each one a setting.

Mastodon (``config/initializers/rack_attack.rb`` and the API rate-limit docs) counts
every ``/api/*`` request per account when a user token is sent and per IP address
otherwise (300 per 5 minutes each), and adds stricter limits: sign-ups 5 per 30
minutes per IP, media uploads and status deletions / unreblogs 30 per 30 minutes per
account. Roost also limits sign-in attempts per IP (Mastodon's ``protected_paths``
rule for its sign-in form), since ``POST /oauth/token`` with the password grant and the
authorize form are where passwords are guessed here.

Rules are written in the ``limits`` notation (``"300 per 5 minutes"``), parsed with
that library so the settings read the way its documentation explains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import limits

from roost.settings import Settings


class Per(StrEnum):
    """Whose requests a rule counts."""

    account = "account"
    ip = "ip"


@dataclass(frozen=True)
class Rule:
    name: str  # part of the counter's key: keep it short and stable
    limit: int
    period: int  # seconds
    per: Per

    def window(self, now: float) -> tuple[int, float]:
        """The fixed window ``now`` falls in: its number and when it ends (epoch seconds).

        Windows are aligned to the epoch, as rack-attack's (``now / period``), so every
        process agrees on them without talking to each other.
        """
        index = int(now // self.period)
        return index, float((index + 1) * self.period)


def parse_rule(name: str, text: str, per: Per) -> Rule:
    """A rule from its setting; a malformed setting stops the app at start-up."""
    try:
        item = limits.parse(text)
    except ValueError as exc:
        raise ValueError(f"rate limit {name!r}: {exc} (expected e.g. '300 per 5 minutes')") from exc
    if item.amount < 1:
        raise ValueError(f"rate limit {name!r}: the limit must be at least 1")
    return Rule(name=name, limit=item.amount, period=int(item.get_expiry()), per=per)


_MEDIA_UPLOAD = re.compile(r"^/api/v\d+/media$")
_STATUS = re.compile(r"^/api/v1/statuses/[^/]+$")
_UNREBLOG = re.compile(r"^/api/v1/statuses/[^/]+/unreblog$")
SIGN_IN_PATHS = frozenset({"/oauth/token", "/oauth/authorize"})


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


@dataclass(frozen=True)
class RuleSet:
    authenticated: Rule
    unauthenticated: Rule
    sign_up: Rule
    sign_in: Rule
    media: Rule
    deletes: Rule

    @classmethod
    def from_settings(cls, settings: Settings) -> RuleSet:
        return cls(
            authenticated=parse_rule("api", settings.rate_limit_authenticated, Per.account),
            unauthenticated=parse_rule("api-ip", settings.rate_limit_unauthenticated, Per.ip),
            sign_up=parse_rule("sign-up", settings.rate_limit_sign_up, Per.ip),
            sign_in=parse_rule("sign-in", settings.rate_limit_sign_in, Per.ip),
            media=parse_rule("media", settings.rate_limit_media, Per.account),
            deletes=parse_rule("deletes", settings.rate_limit_deletes, Per.account),
        )

    @staticmethod
    def may_apply(method: str, path: str) -> bool:
        """Cheap pre-check: could any rule apply (before the token is looked at)?"""
        return is_api(path) or (method == "POST" and path.rstrip("/") in SIGN_IN_PATHS)

    def matching(self, method: str, path: str, *, authenticated: bool) -> list[Rule]:
        """Every rule counting this request; ``authenticated`` means a valid user token."""
        path = path.rstrip("/") or "/"
        rules: list[Rule] = []
        if is_api(path):
            rules.append(self.authenticated if authenticated else self.unauthenticated)
        if method == "POST" and path == "/api/v1/accounts":
            rules.append(self.sign_up)
        if method == "POST" and path in SIGN_IN_PATHS:
            rules.append(self.sign_in)
        if authenticated and method == "POST" and _MEDIA_UPLOAD.match(path):
            rules.append(self.media)
        if authenticated and (
            (method == "DELETE" and _STATUS.match(path))
            or (method == "POST" and _UNREBLOG.match(path))
        ):
            rules.append(self.deletes)
        return rules

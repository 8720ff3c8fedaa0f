"""OAuth scopes as Mastodon defines them, and the rule for whether a token grants one.

A token granted ``read`` grants every ``read:*`` sub-scope; the legacy ``follow``
scope grants the relationship sub-scopes (follows, blocks, mutes).
"""

from __future__ import annotations

TOP_LEVEL = frozenset({"read", "write", "follow", "push", "profile"})
SUB_SCOPES = frozenset(
    {
        "read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters",
        "read:follows", "read:lists", "read:mutes", "read:notifications", "read:search",
        "read:statuses",
        "write:accounts", "write:blocks", "write:bookmarks", "write:conversations",
        "write:favourites", "write:filters", "write:follows", "write:lists", "write:media",
        "write:mutes", "write:notifications", "write:reports", "write:statuses",
    }
)  # fmt: skip
ALL_SCOPES = TOP_LEVEL | SUB_SCOPES
_FOLLOW_GRANTS = frozenset(
    {"read:follows", "read:blocks", "read:mutes", "write:follows", "write:blocks", "write:mutes"}
)


def parse_scopes(text: str | None, default: str = "read") -> frozenset[str]:
    """Split a space- (or plus-) separated scope string; unknown names are kept for validation."""
    raw = (text or "").replace("+", " ").split()
    return frozenset(raw) if raw else frozenset(default.split())


def unknown_scopes(scopes: frozenset[str]) -> frozenset[str]:
    return scopes - ALL_SCOPES


def grants(granted: frozenset[str], required: str) -> bool:
    """Whether a token holding ``granted`` may use an endpoint that needs ``required``."""
    if required in granted:
        return True
    top = required.split(":", 1)[0]
    if top in granted:
        return True
    return "follow" in granted and required in _FOLLOW_GRANTS


def format_scopes(scopes: frozenset[str]) -> str:
    return " ".join(sorted(scopes))

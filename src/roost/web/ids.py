"""Ids as clients send them: decimal strings that must fit a signed 64-bit column."""

from __future__ import annotations

from roost.errors import NotFound

MAX_ID = 2**63


def parse_id(value: str | None) -> int | None:
    """The id, or None when the text cannot be one (PostgreSQL's bigint would overflow)."""
    if value is None or not value.isascii() or not value.isdigit() or int(value) >= MAX_ID:
        return None
    return int(value)


def path_id(value: str) -> int:
    """An id from the path; anything that cannot be an id names nothing (404)."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound()
    return parsed

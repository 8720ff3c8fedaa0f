"""Timestamps as Mastodon writes them in JSON."""

from __future__ import annotations

from datetime import UTC, datetime


def mastodon_time(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, e.g. ``2019-12-08T03:48:33.901Z``."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def mastodon_date(value: datetime) -> str:
    """A date only, as Mastodon gives ``last_status_at``."""
    return value.astimezone(UTC).strftime("%Y-%m-%d")

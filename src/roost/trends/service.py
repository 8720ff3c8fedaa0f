"""Trends: count hashtag uses and status engagement per hour as events arrive, and rank
by those counts with exponential decay over a sliding window when asked.

Notes on design: the worker does the counting (``trends/tasks.py``), each use or
engagement once, into hour buckets (and day buckets for a tag's history); a request
reads only the buckets of the last ``trends_window_hours`` and weighs each by
``0.5 ** (age in hours / trends_half_life_hours)``, so recent activity outranks older
activity of the same size and nothing older than the window counts at all. Only public,
original statuses count, as in Mastodon; so do only other accounts' engagement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from roost.db import Database
from roost.db.metadata import utcnow
from roost.settings import Settings
from roost.statuses.entities import render_statuses
from roost.tags.entities import SECONDS_PER_DAY, render_tags
from roost.tags.queries import find_tags
from roost.trends import queries
from roost.trends.schema import DAY, HOUR

SECONDS_PER_HOUR = 3_600


@dataclass(frozen=True)
class TrendPage:
    """Rendered entities, best first, and whether more may follow (for the Link header)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False


def epoch_hour(moment: datetime) -> int:
    return int(moment.timestamp()) // SECONDS_PER_HOUR


def _trendable(status: Any) -> bool:
    return bool(status["visibility"] == "public" and status["reblog_of_id"] is None)


# --- counting (the worker) -----------------------------------------------------------------


async def count_status_created(*, db: Database, status_id: int) -> None:
    """A new status: its hashtags' uses, or (a reblog) engagement on the reblogged status."""
    async with db.write() as conn:
        status = await queries.find_status(conn, status_id)
        if status is None:
            return
        moment = status["created_at"]
        if status["reblog_of_id"] is not None:
            original = await queries.find_status(conn, status["reblog_of_id"])
            if (
                original is not None
                and _trendable(original)
                and original["account_id"] != status["account_id"]
            ):
                await queries.count_engagement(
                    conn,
                    db.dialect,
                    status_id=original["id"],
                    account_id=status["account_id"],
                    kind="reblog",
                    hour=epoch_hour(moment),
                )
            return
        if not _trendable(status):
            return
        buckets = [
            (HOUR, epoch_hour(moment)),
            (DAY, int(moment.timestamp()) // SECONDS_PER_DAY),
        ]
        for tag_id in await queries.status_tag_ids(conn, status_id):
            await queries.count_tag_use(
                conn,
                db.dialect,
                tag_id=tag_id,
                status_id=status_id,
                account_id=status["account_id"],
                buckets=buckets,
            )


async def count_favourite(*, db: Database, status_id: int, account_id: int, at: datetime) -> None:
    """A favourite of a public status by someone other than its author counts once."""
    async with db.write() as conn:
        status = await queries.find_status(conn, status_id)
        if status is None or not _trendable(status) or status["account_id"] == account_id:
            return
        await queries.count_engagement(
            conn,
            db.dialect,
            status_id=status_id,
            account_id=account_id,
            kind="favourite",
            hour=epoch_hour(at),
        )


# --- ranking (requests) --------------------------------------------------------------------


def _decayed(
    buckets: list[Any], key: str, weight: str, *, now_hour: int, half_life: float
) -> dict[int, float]:
    scores: dict[int, float] = defaultdict(float)
    for bucket in buckets:
        age = max(0, now_hour - bucket["start"])
        scores[bucket[key]] += bucket[weight] * 0.5 ** (age / half_life)
    return scores


def _ranked(scores: dict[int, float], *, offset: int, limit: int) -> tuple[list[int], bool]:
    """Ids by score (ties: newer id first), one page of them, and whether more remain."""
    ordered = sorted((i for i, s in scores.items() if s > 0), key=lambda i: (-scores[i], -i))
    return ordered[offset : offset + limit], len(ordered) > offset + limit


async def trending_tags(
    *,
    db: Database,
    settings: Settings,
    viewer_account_id: int | None,
    offset: int,
    limit: int,
    now: datetime | None = None,
) -> TrendPage:
    """Hashtags used by the most distinct accounts lately, decayed by age (uses break ties)."""
    now_hour = epoch_hour(now or utcnow())
    since = now_hour - settings.trends_window_hours + 1
    async with db.read() as conn:
        buckets = await queries.tag_hour_buckets(conn, since_hour=since)
        half_life = settings.trends_half_life_hours
        accounts = _decayed(buckets, "tag_id", "accounts", now_hour=now_hour, half_life=half_life)
        uses = _decayed(buckets, "tag_id", "uses", now_hour=now_hour, half_life=half_life)
        scores = {tag: accounts[tag] + uses[tag] / 1000 for tag in accounts}
        ids, more = _ranked(scores, offset=offset, limit=limit)
        rows = await find_tags(conn, ids)
        rendered = await render_tags(
            conn,
            rows=[rows[i] for i in ids if i in rows],
            viewer_account_id=viewer_account_id,
            settings=settings,
            now=now,
        )
    return TrendPage(rendered, more)


async def trending_statuses(
    *,
    db: Database,
    settings: Settings,
    viewer_account_id: int | None,
    offset: int,
    limit: int,
    now: datetime | None = None,
) -> TrendPage:
    """Public statuses with the most favourites and reblogs lately, decayed by age."""
    now_hour = epoch_hour(now or utcnow())
    since = now_hour - settings.trends_window_hours + 1
    async with db.read() as conn:
        buckets = await queries.status_hour_buckets(
            conn, since_hour=since, viewer_id=viewer_account_id
        )
        scores = _decayed(
            buckets,
            "status_id",
            "engagements",
            now_hour=now_hour,
            half_life=settings.trends_half_life_hours,
        )
        ids, more = _ranked(scores, offset=offset, limit=limit)
        rows = await queries.find_statuses(conn, ids)
        rendered = await render_statuses(
            conn, rows=rows, viewer_account_id=viewer_account_id, settings=settings
        )
    return TrendPage(rendered, more)

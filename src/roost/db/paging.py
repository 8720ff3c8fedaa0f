"""Cursor pagination over an id column, as Mastodon pages every list.

``max_id`` pages back in time, ``since_id`` returns the newest items above a
cursor, ``min_id`` the items immediately above a cursor (oldest first, then
reversed), so every page is one index range scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    limit: int
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None

    @property
    def ascending(self) -> bool:
        """True when the query must read upwards from ``min_id``."""
        return self.min_id is not None


def paginate(query: Select[Any], cursor: ColumnElement[Any], page: Page) -> Select[Any]:
    """Restrict and order ``query`` by ``cursor``; call ``in_page_order`` on the rows."""
    if page.max_id is not None:
        query = query.where(cursor < page.max_id)
    if page.since_id is not None:
        query = query.where(cursor > page.since_id)
    if page.min_id is not None:
        query = query.where(cursor > page.min_id)
    order = cursor.asc() if page.ascending else cursor.desc()
    return query.order_by(order).limit(page.limit)


def in_page_order(rows: list[T], page: Page) -> list[T]:
    """Rows newest first, whichever direction the query read them in."""
    return list(reversed(rows)) if page.ascending else rows

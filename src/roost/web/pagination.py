"""Paging parameters and the ``Link`` header every Mastodon list endpoint returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from fastapi import Query, Request

from roost.db.paging import Page
from roost.errors import Validation
from roost.web.ids import parse_id


def _parse_id(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    # Digits only: int() would also take " 12", "+12" and "1_2", which are not ids.
    parsed = parse_id(value)
    if parsed is None:
        raise Validation(f"Validation failed: {name} must be an id below 2**63")
    return parsed


def page_params(default: int = 20, maximum: int = 40) -> Callable[..., Page]:
    """Dependency reading ``max_id``/``since_id``/``min_id``/``limit`` (clamped to ``maximum``)."""

    def dependency(
        max_id: str | None = Query(None),
        since_id: str | None = Query(None),
        min_id: str | None = Query(None),
        limit: int | None = Query(None),
    ) -> Page:
        size = default if limit is None else max(1, min(limit, maximum))
        return Page(
            limit=size,
            max_id=_parse_id(max_id, "max_id"),
            since_id=_parse_id(since_id, "since_id"),
            min_id=_parse_id(min_id, "min_id"),
        )

    return dependency


def link_header(request: Request, cursors: Sequence[int]) -> dict[str, str]:
    """``Link`` with ``next`` (older, max_id) and ``prev`` (newer, min_id); none for an empty page.

    ``cursors`` are the page's pagination ids, newest first.
    """
    if not cursors:
        return {}
    base = str(request.url.replace(query=""))
    kept = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key not in {"max_id", "since_id", "min_id", "access_token"}
    ]
    next_url = f"{base}?{urlencode([*kept, ('max_id', str(cursors[-1]))])}"
    prev_url = f"{base}?{urlencode([*kept, ('min_id', str(cursors[0]))])}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}

"""``/api/v1/trends`` (tags), ``/api/v1/trends/tags`` and ``/api/v1/trends/statuses``."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response

from roost.errors import Validation
from roost.oauth.service import Viewer
from roost.trends import service
from roost.web.auth import optional_viewer, viewer_account_id
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

# Mastodon's Api::V1::Trends controllers: tags 10 (at most 20), statuses 20 (at most 40).
TAGS_LIMIT = (10, 20)
STATUSES_LIMIT = (20, 40)

_INTEGER = re.compile("-?[0-9]{1,18}")


def _window(offset: str | None, limit: str | None, bounds: tuple[int, int]) -> tuple[int, int]:
    # Digits only: int() would also take " 5", "+5" and "1_0".
    if any(v and _INTEGER.fullmatch(v) is None for v in (offset, limit)):
        raise Validation("Validation failed: offset and limit must be numbers")
    start = int(offset) if offset else 0
    size = int(limit) if limit else bounds[0]
    return max(0, start), max(1, min(size, bounds[1]))


def _response(request: Request, page: service.TrendPage, offset: int, limit: int) -> Response:
    """The page, with Mastodon's offset ``Link`` (next when more may follow, prev past 0)."""
    base = str(request.url.replace(query=""))
    links = []
    if page.more:
        links.append(f'<{base}?{urlencode({"offset": offset + limit})}>; rel="next"')
    if offset > 0:
        links.append(f'<{base}?{urlencode({"offset": max(0, offset - limit)})}>; rel="prev"')
    headers = {"Link": ", ".join(links)} if links else None
    return json_response(page.items, headers=headers)


async def _tags(
    request: Request, offset: str | None, limit: str | None, viewer: Viewer | None, state: AppState
) -> Response:
    start, size = _window(offset, limit, TAGS_LIMIT)
    page = await service.trending_tags(
        db=state.db,
        settings=state.settings,
        viewer_account_id=viewer_account_id(viewer),
        offset=start,
        limit=size,
    )
    return _response(request, page, start, size)


@router.get("/api/v1/trends/tags")
@router.get("/api/v1/trends")  # Mastodon's deprecated alias
async def trending_tags(
    request: Request,
    offset: str | None = Query(None),
    limit: str | None = Query(None),
    viewer: Viewer | None = Depends(optional_viewer),
    state: AppState = Depends(get_state),
) -> Response:
    return await _tags(request, offset, limit, viewer, state)


@router.get("/api/v1/trends/statuses")
async def trending_statuses(
    request: Request,
    offset: str | None = Query(None),
    limit: str | None = Query(None),
    viewer: Viewer | None = Depends(optional_viewer),
    state: AppState = Depends(get_state),
) -> Response:
    start, size = _window(offset, limit, STATUSES_LIMIT)
    page = await service.trending_statuses(
        db=state.db,
        settings=state.settings,
        viewer_account_id=viewer_account_id(viewer),
        offset=start,
        limit=size,
    )
    return _response(request, page, start, size)

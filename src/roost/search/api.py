"""``GET /api/v2/search``: accounts, statuses and hashtags, as Mastodon answers it."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Query, Response

from roost.errors import DomainError, Unauthorized, Validation
from roost.oauth.service import Viewer
from roost.search import service
from roost.web.auth import optional_viewer, require_scope, viewer_account_id
from roost.web.params import parse_flag
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

DEFAULT_LIMIT = 20
MAX_LIMIT = 40


def _truthy(value: str | None, name: str) -> bool:
    """A boolean query parameter (absent: false; not a boolean spelling: 422)."""
    return bool(parse_flag(value, name))


def _integer(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    # Digits only: int() would also take " 5", "+5" and "1_0".
    if re.fullmatch("-?[0-9]{1,18}", value) is None:
        raise Validation(f"Validation failed: {name} must be a number")
    return int(value)


async def searcher(viewer: Viewer | None = Depends(optional_viewer)) -> Viewer | None:
    """Anyone may search; a sent token must grant ``read:search``."""
    if viewer is not None:
        require_scope(viewer, "read:search")
    return viewer


@router.get("/api/v2/search")
async def search(
    q: str | None = Query(None),
    type: str | None = Query(None),
    resolve: str | None = Query(None),
    following: str | None = Query(None),
    account_id: str | None = Query(None),
    offset: str | None = Query(None),
    limit: str | None = Query(None),
    viewer: Viewer | None = Depends(searcher),
    state: AppState = Depends(get_state),
) -> Response:
    if q is None or q == "":
        raise DomainError("param is missing or the value is empty: q")
    signed_in = viewer is not None and viewer.account_id is not None
    if not signed_in and offset not in (None, ""):
        raise Unauthorized("Search queries pagination is not supported without authentication")
    if not signed_in and _truthy(resolve, "resolve"):
        raise Unauthorized(
            "Search queries that resolve remote resources are not supported without authentication"
        )
    offset_value = _integer(offset, "offset") or 0
    limit_value = _integer(limit, "limit")
    if offset_value < 0 or (limit_value is not None and limit_value < 0):
        raise DomainError("Pagination values for `offset` and `limit` must be positive")
    size = DEFAULT_LIMIT if limit_value is None else min(limit_value, MAX_LIMIT)
    query = service.SearchQuery(
        q=q,
        kind=type or None,  # an unknown type matches nothing, as in Mastodon
        limit=size,
        offset=offset_value,
        following=_truthy(following, "following"),
        account_id=_integer(account_id, "account_id"),
    )
    results = await service.search(
        db=state.db,
        settings=state.settings,
        viewer_account_id=viewer_account_id(viewer),
        query=query,
    )
    return json_response(results)

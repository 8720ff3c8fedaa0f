"""Mastodon endpoints for statuses, favourites and reblogs (and a profile's statuses)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from roost.db.paging import Page
from roost.errors import Validation
from roost.oauth.service import Viewer
from roost.resilience.degradation import DATABASE
from roost.resilience.errors import DependencyUnavailable
from roost.statuses import service
from roost.timelines.cached_reads import cached_status
from roost.timelines.engine import engine
from roost.web.auth import (
    acting_account_id,
    user_with_scope,
    viewer_account_id,
    viewer_if_token_grants,
)
from roost.web.ids import parse_id, path_id
from roost.web.pagination import link_header, page_params
from roost.web.params import Params, read_params
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

STATUSES_PAGE = page_params(default=20, maximum=40)
ACCOUNTS_PAGE = page_params(default=40, maximum=80)


def _new_status(params: Params, idempotency_key: str | None) -> service.NewStatus:
    reply_to = params.text("in_reply_to_id")
    in_reply_to_id = None
    if reply_to:
        in_reply_to_id = parse_id(reply_to)
        if in_reply_to_id is None:
            raise Validation(service.REPLY_TARGET_MISSING)
    return service.NewStatus(
        text=params.text("status") or "",
        visibility=params.text("visibility") or None,
        sensitive=bool(params.flag("sensitive")),
        spoiler_text=params.text("spoiler_text") or "",
        language=params.text("language") or None,
        in_reply_to_id=in_reply_to_id,
        media_ids=tuple(media_id for media_id in params.texts("media_ids") if media_id),
        idempotency_key=(idempotency_key or "").strip()[:255] or None,
    )


# --- statuses ------------------------------------------------------------------------------


@router.post("/api/v1/statuses")
async def post_status(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("write:statuses")),
    state: AppState = Depends(get_state),
) -> Response:
    params = await read_params(request)
    result = await service.post_status(
        db=state.db,
        settings=state.settings,
        author_id=acting_account_id(viewer),
        application_id=viewer.application_id,
        new=_new_status(params, request.headers.get("idempotency-key")),
    )
    return json_response(result.status)


@router.get("/api/v1/statuses/{id}")
async def show_status(
    id: str,
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:statuses")),
    state: AppState = Depends(get_state),
) -> Response:
    try:
        status = await service.get_status(
            db=state.db,
            settings=state.settings,
            status_id=path_id(id),
            viewer_id=viewer_account_id(viewer),
        )
    except DependencyUnavailable as error:
        if error.dependency != DATABASE or state.redis is None:
            raise
        # Level 3: the database is down; answer from the status cache if it can decide.
        status = await cached_status(
            engine(settings=state.settings, db=state.db, redis=state.redis, keys=state.keys),
            status_id=path_id(id),
            viewer_id=viewer_account_id(viewer),
        )
    return json_response(status)


@router.delete("/api/v1/statuses/{id}")
async def delete_status(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:statuses")),
    state: AppState = Depends(get_state),
) -> Response:
    status = await service.delete_status(
        db=state.db,
        settings=state.settings,
        status_id=path_id(id),
        account_id=acting_account_id(viewer),
    )
    return json_response(status)


@router.get("/api/v1/statuses/{id}/context")
async def context(
    id: str,
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:statuses")),
    state: AppState = Depends(get_state),
) -> Response:
    thread = await service.get_context(
        db=state.db,
        settings=state.settings,
        status_id=path_id(id),
        viewer_id=viewer_account_id(viewer),
    )
    return json_response(thread)


# --- favourites and reblogs ----------------------------------------------------------------


@router.post("/api/v1/statuses/{id}/favourite")
async def favourite(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:favourites")),
    state: AppState = Depends(get_state),
) -> Response:
    status = await service.favourite(
        db=state.db,
        settings=state.settings,
        status_id=path_id(id),
        account_id=acting_account_id(viewer),
    )
    return json_response(status)


@router.post("/api/v1/statuses/{id}/unfavourite")
async def unfavourite(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:favourites")),
    state: AppState = Depends(get_state),
) -> Response:
    status = await service.unfavourite(
        db=state.db,
        settings=state.settings,
        status_id=path_id(id),
        account_id=acting_account_id(viewer),
    )
    return json_response(status)


@router.post("/api/v1/statuses/{id}/reblog")
async def reblog(
    id: str,
    request: Request,
    viewer: Viewer = Depends(user_with_scope("write:statuses")),
    state: AppState = Depends(get_state),
) -> Response:
    params = await read_params(request)
    status = await service.reblog(
        db=state.db,
        settings=state.settings,
        status_id=path_id(id),
        account_id=acting_account_id(viewer),
        application_id=viewer.application_id,
        visibility=params.text("visibility") or None,
    )
    return json_response(status)


@router.post("/api/v1/statuses/{id}/unreblog")
async def unreblog(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:statuses")),
    state: AppState = Depends(get_state),
) -> Response:
    status = await service.unreblog(
        db=state.db,
        settings=state.settings,
        status_id=path_id(id),
        account_id=acting_account_id(viewer),
    )
    return json_response(status)


@router.get("/api/v1/statuses/{id}/favourited_by")
async def favourited_by(
    id: str,
    request: Request,
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:accounts")),
    page: Page = Depends(ACCOUNTS_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    listed = await service.favourited_by(
        db=state.db,
        settings=state.settings,
        status_id=path_id(id),
        viewer_id=viewer_account_id(viewer),
        page=page,
    )
    return json_response(listed.items, headers=link_header(request, listed.cursors))


@router.get("/api/v1/statuses/{id}/reblogged_by")
async def reblogged_by(
    id: str,
    request: Request,
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:accounts")),
    page: Page = Depends(ACCOUNTS_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    listed = await service.reblogged_by(
        db=state.db,
        settings=state.settings,
        status_id=path_id(id),
        viewer_id=viewer_account_id(viewer),
        page=page,
    )
    return json_response(listed.items, headers=link_header(request, listed.cursors))


@router.get("/api/v1/favourites")
async def favourites(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("read:favourites")),
    page: Page = Depends(STATUSES_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    listed = await service.favourites(
        db=state.db, settings=state.settings, account_id=acting_account_id(viewer), page=page
    )
    return json_response(listed.items, headers=link_header(request, listed.cursors))


# --- a profile's statuses ------------------------------------------------------------------


@router.get("/api/v1/accounts/{id}/statuses")
async def account_statuses(
    id: str,
    request: Request,
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:statuses")),
    page: Page = Depends(STATUSES_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    params = await read_params(request)
    listed = await service.account_statuses(
        db=state.db,
        settings=state.settings,
        account_id=path_id(id),
        viewer_id=viewer_account_id(viewer),
        page=page,
        exclude_replies=bool(params.flag("exclude_replies")),
        exclude_reblogs=bool(params.flag("exclude_reblogs")),
        only_media=bool(params.flag("only_media")),
        pinned=bool(params.flag("pinned")),
        tagged=params.text("tagged") or None,
    )
    return json_response(listed.items, headers=link_header(request, listed.cursors))

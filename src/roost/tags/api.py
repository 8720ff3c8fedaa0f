"""Hashtags: ``/api/v1/tags/:name`` (show, follow, unfollow) and ``/api/v1/followed_tags``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from roost.db.paging import Page
from roost.oauth.service import Viewer
from roost.tags import service
from roost.web.auth import acting_account_id, optional_viewer, user_with_scope, viewer_account_id
from roost.web.pagination import link_header, page_params
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

# Mastodon's FollowedTagsController: 100 by default, at most 200.
followed_page = page_params(default=100, maximum=200)


@router.get("/api/v1/tags/{name}")
async def show(
    name: str,
    viewer: Viewer | None = Depends(optional_viewer),
    state: AppState = Depends(get_state),
) -> Response:
    entity = await service.show_tag(
        db=state.db, settings=state.settings, viewer_account_id=viewer_account_id(viewer), name=name
    )
    return json_response(entity)


@router.post("/api/v1/tags/{name}/follow")
async def follow(
    name: str,
    viewer: Viewer = Depends(user_with_scope("write:follows")),
    state: AppState = Depends(get_state),
) -> Response:
    entity = await service.follow_tag(
        db=state.db, settings=state.settings, account_id=acting_account_id(viewer), name=name
    )
    return json_response(entity)


@router.post("/api/v1/tags/{name}/unfollow")
async def unfollow(
    name: str,
    viewer: Viewer = Depends(user_with_scope("write:follows")),
    state: AppState = Depends(get_state),
) -> Response:
    entity = await service.unfollow_tag(
        db=state.db, settings=state.settings, account_id=acting_account_id(viewer), name=name
    )
    return json_response(entity)


@router.get("/api/v1/followed_tags")
async def followed_tags(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("read:follows")),
    page: Page = Depends(followed_page),
    state: AppState = Depends(get_state),
) -> Response:
    result = await service.followed_tags(
        db=state.db, settings=state.settings, account_id=acting_account_id(viewer), page=page
    )
    return json_response(result.tags, headers=link_header(request, result.cursors))

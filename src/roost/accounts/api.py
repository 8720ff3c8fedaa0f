"""Mastodon endpoints for accounts and the social graph.

Static paths (``relationships``, ``lookup``) are registered before ``/{id}``; the
credentials router (verify/update credentials, registration) is included before
this one, and ``/{id}/statuses`` lives with the statuses domain.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Query, Request, Response

from roost.accounts import graph_service as graph
from roost.accounts.entities import render_account
from roost.accounts.relationships import Relationship, render_relationship
from roost.db.paging import Page
from roost.errors import Validation
from roost.oauth.service import Viewer
from roost.web.auth import (
    acting_account_id,
    user_with_scope,
    viewer_account_id,
    viewer_if_token_grants,
)
from roost.web.ids import parse_id, path_id
from roost.web.pagination import link_header, page_params
from roost.web.params import read_params
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

ACCOUNTS_PAGE = page_params(default=40, maximum=80)


def _relationship_response(rel: Relationship) -> Response:
    return json_response(render_relationship(rel))


def _page_response(request: Request, state: AppState, page: graph.AccountPage) -> Response:
    body = [render_account(row, state.settings) for row in page.accounts]
    return json_response(body, headers=link_header(request, page.cursors))


# --- static paths first --------------------------------------------------------------------


@router.get("/api/v1/accounts/relationships")
async def relationships(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("read:follows")),
    state: AppState = Depends(get_state),
) -> Response:
    raw = request.query_params.getlist("id[]") + request.query_params.getlist("id")
    ids = [parsed for v in raw if (parsed := parse_id(v)) is not None]
    rels = await graph.relationships(
        db=state.db, viewer_id=acting_account_id(viewer), account_ids=ids
    )
    return json_response([render_relationship(rel) for rel in rels])


@router.get("/api/v1/accounts/lookup")
async def lookup(
    acct: str | None = Query(None),
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:accounts")),
    state: AppState = Depends(get_state),
) -> Response:
    row = await graph.lookup_account(
        db=state.db,
        acct=acct,
        instance_domain=state.settings.instance_domain,
        viewer_id=viewer_account_id(viewer),
    )
    return json_response(render_account(row, state.settings))


@router.get("/api/v1/blocks")
async def blocks(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("read:blocks")),
    page: Page = Depends(ACCOUNTS_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    result = await graph.list_blocks(db=state.db, viewer_id=acting_account_id(viewer), page=page)
    return _page_response(request, state, result)


@router.get("/api/v1/mutes")
async def mutes(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("read:mutes")),
    page: Page = Depends(ACCOUNTS_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    result = await graph.list_mutes(db=state.db, viewer_id=acting_account_id(viewer), page=page)
    body = [
        {**render_account(row, state.settings), "mute_expires_at": None} for row in result.accounts
    ]
    return json_response(body, headers=link_header(request, result.cursors))


@router.get("/api/v1/follow_requests")
async def follow_requests(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("read:follows")),
    page: Page = Depends(ACCOUNTS_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    result = await graph.list_follow_requests(
        db=state.db, viewer_id=acting_account_id(viewer), page=page
    )
    return _page_response(request, state, result)


@router.post("/api/v1/follow_requests/{id}/authorize")
async def authorize_follow_request(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:follows")),
    state: AppState = Depends(get_state),
) -> Response:
    rel = await graph.authorize_follow_request(
        db=state.db, viewer_id=acting_account_id(viewer), requester_id=path_id(id)
    )
    return _relationship_response(rel)


@router.post("/api/v1/follow_requests/{id}/reject")
async def reject_follow_request(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:follows")),
    state: AppState = Depends(get_state),
) -> Response:
    rel = await graph.reject_follow_request(
        db=state.db, viewer_id=acting_account_id(viewer), requester_id=path_id(id)
    )
    return _relationship_response(rel)


# --- /api/v1/accounts/{id} -----------------------------------------------------------------


@router.get("/api/v1/accounts/{id}")
async def show(
    id: str,
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:accounts")),
    state: AppState = Depends(get_state),
) -> Response:
    row = await graph.get_account(
        db=state.db, account_id=path_id(id), viewer_id=viewer_account_id(viewer)
    )
    return json_response(render_account(row, state.settings))


@router.get("/api/v1/accounts/{id}/followers")
async def followers(
    id: str,
    request: Request,
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:accounts")),
    page: Page = Depends(ACCOUNTS_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    result = await graph.list_followers(
        db=state.db, account_id=path_id(id), viewer_id=viewer_account_id(viewer), page=page
    )
    return _page_response(request, state, result)


@router.get("/api/v1/accounts/{id}/following")
async def following(
    id: str,
    request: Request,
    viewer: Viewer | None = Depends(viewer_if_token_grants("read:accounts")),
    page: Page = Depends(ACCOUNTS_PAGE),
    state: AppState = Depends(get_state),
) -> Response:
    result = await graph.list_following(
        db=state.db, account_id=path_id(id), viewer_id=viewer_account_id(viewer), page=page
    )
    return _page_response(request, state, result)


@router.post("/api/v1/accounts/{id}/follow")
async def follow(
    id: str,
    request: Request,
    viewer: Viewer = Depends(user_with_scope("write:follows")),
    state: AppState = Depends(get_state),
) -> Response:
    target_id = path_id(id)
    params = await read_params(request)
    rel = await graph.follow(
        db=state.db,
        viewer_id=acting_account_id(viewer),
        target_id=target_id,
        reblogs=params.flag("reblogs"),
        notify=params.flag("notify"),
    )
    return _relationship_response(rel)


@router.post("/api/v1/accounts/{id}/unfollow")
async def unfollow(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:follows")),
    state: AppState = Depends(get_state),
) -> Response:
    rel = await graph.unfollow(
        db=state.db, viewer_id=acting_account_id(viewer), target_id=path_id(id)
    )
    return _relationship_response(rel)


@router.post("/api/v1/accounts/{id}/block")
async def block(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:blocks")),
    state: AppState = Depends(get_state),
) -> Response:
    rel = await graph.block(db=state.db, viewer_id=acting_account_id(viewer), target_id=path_id(id))
    return _relationship_response(rel)


@router.post("/api/v1/accounts/{id}/unblock")
async def unblock(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:blocks")),
    state: AppState = Depends(get_state),
) -> Response:
    rel = await graph.unblock(
        db=state.db, viewer_id=acting_account_id(viewer), target_id=path_id(id)
    )
    return _relationship_response(rel)


@router.post("/api/v1/accounts/{id}/mute")
async def mute(
    id: str,
    request: Request,
    viewer: Viewer = Depends(user_with_scope("write:mutes")),
    state: AppState = Depends(get_state),
) -> Response:
    target_id = path_id(id)
    params = await read_params(request)
    notifications = params.flag("notifications")
    # ``duration`` (temporary mutes) is checked and ignored: mutes here do not expire.
    duration = params.raw("duration")  # a JSON number, or digits in a form
    if not (
        duration is None
        or (isinstance(duration, int) and not isinstance(duration, bool))
        or (isinstance(duration, str) and re.fullmatch("(-?[0-9]+)?", duration))
    ):
        raise Validation("Validation failed: duration must be a number of seconds")
    rel = await graph.mute(
        db=state.db,
        viewer_id=acting_account_id(viewer),
        target_id=target_id,
        notifications=True if notifications is None else notifications,
    )
    return _relationship_response(rel)


@router.post("/api/v1/accounts/{id}/unmute")
async def unmute(
    id: str,
    viewer: Viewer = Depends(user_with_scope("write:mutes")),
    state: AppState = Depends(get_state),
) -> Response:
    rel = await graph.unmute(
        db=state.db, viewer_id=acting_account_id(viewer), target_id=path_id(id)
    )
    return _relationship_response(rel)

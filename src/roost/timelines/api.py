"""Home, public and hashtag timelines (Mastodon's ``/api/v1/timelines/*``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from roost.db.paging import Page
from roost.errors import Forbidden, Unauthorized
from roost.oauth.scopes import grants
from roost.oauth.service import Viewer
from roost.timelines import service
from roost.web.auth import optional_viewer, require_user_scope, viewer_account_id
from roost.web.pagination import link_header, page_params
from roost.web.params import parse_flag
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

READ_STATUSES = "read:statuses"
statuses_page = page_params(default=20, maximum=40)


def _truthy(value: str | None, name: str) -> bool:
    """A boolean query parameter (absent: false; not a boolean spelling: 422)."""
    return bool(parse_flag(value, name))


async def public_reader(
    viewer: Viewer | None = Depends(optional_viewer), state: AppState = Depends(get_state)
) -> Viewer | None:
    """Anyone may read, unless the instance turned previews off; a sent token needs read scope."""
    if viewer is None:
        if not state.settings.timeline_preview:
            raise Unauthorized("This method requires an authenticated user")
        return None
    if not grants(viewer.scopes, READ_STATUSES):
        raise Forbidden("This action is outside the authorized scopes")
    return viewer


def _page_response(request: Request, page: service.TimelinePage) -> Response:
    return json_response(page.statuses, headers=link_header(request, page.cursors))


async def home_reader(request: Request) -> Viewer:
    """A user token with ``read:statuses`` (``user_with_scope`` in one async step)."""
    return require_user_scope(await optional_viewer(request), READ_STATUSES)


@router.get("/api/v1/timelines/home")
async def home(
    request: Request,
    viewer: Viewer = Depends(home_reader),
    max_id: str | None = Query(None),
    since_id: str | None = Query(None),
    min_id: str | None = Query(None),
    limit: int | None = Query(None),
) -> Response:
    # The hottest route: its parameters are read here rather than through the sync
    # ``statuses_page``/``get_state`` dependencies, which FastAPI would run in a thread
    # pool (measured: most of the framework's cost per request). Same rules and errors.
    assert viewer.account_id is not None  # home_reader guarantees a user token
    page = statuses_page(max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
    state: AppState = request.app.state.roost
    result = await service.home_timeline(
        db=state.db,
        settings=state.settings,
        redis=state.redis,
        keys=state.keys,
        viewer_account_id=viewer.account_id,
        page=page,
    )
    return _page_response(request, result)


@router.get("/api/v1/timelines/public")
async def public(
    request: Request,
    local: str | None = Query(None),
    remote: str | None = Query(None),
    only_media: str | None = Query(None),
    viewer: Viewer | None = Depends(public_reader),
    page: Page = Depends(statuses_page),
    state: AppState = Depends(get_state),
) -> Response:
    # ``local`` changes nothing (every status on a single instance is local), but is checked.
    _truthy(local, "local")
    result = await service.public_timeline(
        db=state.db,
        settings=state.settings,
        viewer_account_id=viewer_account_id(viewer),
        page=page,
        remote=_truthy(remote, "remote"),
        only_media=_truthy(only_media, "only_media"),
    )
    return _page_response(request, result)


@router.get("/api/v1/timelines/tag/{hashtag}")
async def tag(
    request: Request,
    hashtag: str,
    any_brackets: list[str] = Query([], alias="any[]"),
    any_plain: list[str] = Query([], alias="any"),
    all_brackets: list[str] = Query([], alias="all[]"),
    all_plain: list[str] = Query([], alias="all"),
    none_brackets: list[str] = Query([], alias="none[]"),
    none_plain: list[str] = Query([], alias="none"),
    local: str | None = Query(None),
    remote: str | None = Query(None),
    only_media: str | None = Query(None),
    viewer: Viewer | None = Depends(public_reader),
    page: Page = Depends(statuses_page),
    state: AppState = Depends(get_state),
) -> Response:
    query = service.TagQuery(
        hashtag=hashtag,
        any_of=[*any_brackets, *any_plain],
        all_of=[*all_brackets, *all_plain],
        none_of=[*none_brackets, *none_plain],
    )
    _truthy(local, "local")  # changes nothing here, as on the public timeline
    result = await service.tag_timeline(
        db=state.db,
        settings=state.settings,
        viewer_account_id=viewer_account_id(viewer),
        tag=query,
        page=page,
        remote=_truthy(remote, "remote"),
        only_media=_truthy(only_media, "only_media"),
    )
    return _page_response(request, result)

"""Notifications (``/api/v1/notifications``) and read markers (``/api/v1/markers``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from roost.db.paging import Page
from roost.errors import Validation
from roost.notifications import markers, service
from roost.oauth.service import Viewer
from roost.web.auth import acting_account_id, user_with_scope
from roost.web.ids import parse_id, path_id
from roost.web.pagination import link_header, page_params
from roost.web.params import Params, read_params
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

READ = "read:notifications"
WRITE = "write:notifications"
notifications_page = page_params(default=40, maximum=80)
UNREAD_DEFAULT = 100
UNREAD_MAXIMUM = 1000


def _id(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    parsed = parse_id(value)
    if parsed is None:
        raise Validation(f"Validation failed: {name} must be an id")
    return parsed


def _filter(types: list[str], exclude_types: list[str], account_id: str | None) -> service.Filter:
    return service.build_filter(
        types=types,
        exclude_types=exclude_types,
        from_account_id=_id(account_id, "account_id"),
    )


@router.get("/api/v1/notifications")
async def list_notifications(
    request: Request,
    types: list[str] = Query([], alias="types[]"),
    exclude_types: list[str] = Query([], alias="exclude_types[]"),
    account_id: str | None = Query(None),
    page: Page = Depends(notifications_page),
    viewer: Viewer = Depends(user_with_scope(READ)),
    state: AppState = Depends(get_state),
) -> Response:
    result = await service.list_notifications(
        db=state.db,
        settings=state.settings,
        account_id=acting_account_id(viewer),
        chosen=_filter(types, exclude_types, account_id),
        page=page,
    )
    return json_response(result.notifications, headers=link_header(request, result.cursors))


@router.get("/api/v1/notifications/unread_count")
async def unread_count(
    types: list[str] = Query([], alias="types[]"),
    exclude_types: list[str] = Query([], alias="exclude_types[]"),
    account_id: str | None = Query(None),
    limit: int | None = Query(None),
    viewer: Viewer = Depends(user_with_scope(READ)),
    state: AppState = Depends(get_state),
) -> Response:
    cap = UNREAD_DEFAULT if limit is None else max(1, min(limit, UNREAD_MAXIMUM))
    count = await service.unread_count(
        db=state.db,
        account_id=acting_account_id(viewer),
        chosen=_filter(types, exclude_types, account_id),
        cap=cap,
    )
    return json_response({"count": count})


@router.post("/api/v1/notifications/clear")
async def clear(
    viewer: Viewer = Depends(user_with_scope(WRITE)), state: AppState = Depends(get_state)
) -> Response:
    await service.clear(db=state.db, account_id=acting_account_id(viewer))
    return json_response({})


@router.get("/api/v1/notifications/{notification_id}")
async def show(
    notification_id: str,
    viewer: Viewer = Depends(user_with_scope(READ)),
    state: AppState = Depends(get_state),
) -> Response:
    return json_response(
        await service.get_notification(
            db=state.db,
            settings=state.settings,
            account_id=acting_account_id(viewer),
            notification_id=path_id(notification_id),
        )
    )


@router.post("/api/v1/notifications/{notification_id}/dismiss")
async def dismiss(
    notification_id: str,
    viewer: Viewer = Depends(user_with_scope(WRITE)),
    state: AppState = Depends(get_state),
) -> Response:
    await service.dismiss(
        db=state.db, account_id=acting_account_id(viewer), notification_id=path_id(notification_id)
    )
    return json_response({})


# --- markers -------------------------------------------------------------------------------


@router.get("/api/v1/markers")
async def get_markers(
    timeline: list[str] = Query([], alias="timeline[]"),
    plain: list[str] = Query([], alias="timeline"),
    viewer: Viewer = Depends(user_with_scope("read:statuses")),
    state: AppState = Depends(get_state),
) -> Response:
    return json_response(
        await markers.get_markers(
            db=state.db, account_id=acting_account_id(viewer), timelines=[*timeline, *plain]
        )
    )


def _positions(params: Params) -> dict[str, int]:
    """``home[last_read_id]=...`` (form or query) or ``{"home": {"last_read_id": ...}}``."""
    positions: dict[str, int] = {}
    for timeline in markers.TIMELINES:
        value: Any = params.text(f"{timeline}[last_read_id]")
        nested = params.raw(timeline)
        if nested is not None and not isinstance(nested, dict):
            raise Validation(f"Validation failed: {timeline} must be an object")
        if isinstance(nested, dict) and "last_read_id" in nested:
            value = nested["last_read_id"]
        if value is None and not isinstance(nested, dict):
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON 2.0 is the number 2
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise Validation("Validation failed: Last read can't be blank")
        parsed = _id(str(value), "last_read_id")
        if parsed is None:
            raise Validation("Validation failed: Last read can't be blank")
        positions[timeline] = parsed
    return positions


@router.post("/api/v1/markers")
async def save_markers(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("write:statuses")),
    state: AppState = Depends(get_state),
) -> Response:
    positions = _positions(await read_params(request))
    return json_response(
        await markers.save_markers(
            db=state.db, account_id=acting_account_id(viewer), positions=positions
        )
    )

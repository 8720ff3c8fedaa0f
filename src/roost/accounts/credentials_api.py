"""Registration and the signed-in user's own account (verify and update credentials)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from roost.accounts.entities import render_credential_account
from roost.accounts.registration import SignUp, register_account
from roost.accounts.service import ProfileChanges, find_own_account, update_profile
from roost.errors import DomainError, Forbidden, Unauthorized, Validation
from roost.oauth.entities import render_token
from roost.oauth.scopes import grants
from roost.oauth.service import Viewer
from roost.web.auth import INVALID_TOKEN, optional_viewer, token_with_scope, user_with_scope
from roost.web.params import read_params
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()


@router.post("/api/v1/accounts")
async def register(
    request: Request,
    viewer: Viewer = Depends(token_with_scope("write:accounts")),
    state: AppState = Depends(get_state),
) -> Response:
    params = await read_params(request)
    sign_up = SignUp(
        username=params.text("username") or "",
        email=params.text("email") or "",
        password=params.text("password") or "",
        agreement=bool(params.flag("agreement")),
        locale=params.text("locale"),
        reason=params.text("reason"),
    )
    issued = await register_account(
        db=state.db,
        settings=state.settings,
        application_id=viewer.application_id,
        sign_up=sign_up,
    )
    return json_response(render_token(issued))


async def _profile_reader(viewer: Viewer | None = Depends(optional_viewer)) -> Viewer:
    """A user token with read:accounts, or (Mastodon 4.3) the narrower ``profile`` scope."""
    if viewer is None:
        raise Unauthorized(INVALID_TOKEN)
    if not (grants(viewer.scopes, "read:accounts") or "profile" in viewer.scopes):
        raise Forbidden("This action is outside the authorized scopes")
    if viewer.account_id is None:
        raise DomainError("This method requires an authenticated user", status_code=422)
    return viewer


@router.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(
    viewer: Viewer = Depends(_profile_reader), state: AppState = Depends(get_state)
) -> Response:
    assert viewer.account_id is not None
    row = await find_own_account(db=state.db, account_id=viewer.account_id)
    return json_response(render_credential_account(row, state.settings))


@router.patch("/api/v1/accounts/update_credentials")
async def update_credentials(
    request: Request,
    viewer: Viewer = Depends(user_with_scope("write:accounts")),
    state: AppState = Depends(get_state),
) -> Response:
    assert viewer.account_id is not None
    params = await read_params(request)
    if params.file("avatar") is not None or params.file("header") is not None:
        raise Validation("Validation failed: Roost does not accept avatar or header images yet")
    changes = ProfileChanges(
        display_name=params.text("display_name"),
        note=params.text("note"),
        locked=params.flag("locked"),
        bot=params.flag("bot"),
        discoverable=params.flag("discoverable"),
    )
    row = await update_profile(db=state.db, account_id=viewer.account_id, changes=changes)
    return json_response(render_credential_account(row, state.settings))

"""OAuth apps, the authorize page, token and revoke endpoints."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from roost.errors import Forbidden, Unauthorized
from roost.oauth.applications import get_application, register_application
from roost.oauth.authorization import (
    AuthorizationError,
    AuthorizationRequest,
    check_authorization_request,
    sign_in_and_authorize,
)
from roost.oauth.entities import render_application, render_token
from roost.oauth.errors import OAuthError
from roost.oauth.grants import client_credentials_grant, exchange_code, password_grant, revoke
from roost.oauth.pages import authorize_page, code_page, error_page
from roost.oauth.service import IssuedToken, Viewer
from roost.settings import Settings
from roost.web.auth import INVALID_TOKEN, optional_viewer
from roost.web.params import Params, read_params
from roost.web.responses import json_response
from roost.web.state import AppState, get_state

router = APIRouter()

# Token responses must not be cached (RFC 6749 section 5.1).
_TOKEN_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# The sign-in page: never framed (clickjacking), never cached, never leaks a Referer.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@router.post("/api/v1/apps")
async def create_application(request: Request, state: AppState = Depends(get_state)) -> Response:
    params = await read_params(request)
    scopes = " ".join(params.texts("scopes")) or None
    registered = await register_application(
        db=state.db,
        name=params.text("client_name"),
        redirect_uris=params.texts("redirect_uris"),
        scopes=scopes,
        website=params.text("website"),
    )
    return json_response(render_application(registered.row, client_secret=registered.client_secret))


@router.get("/api/v1/apps/verify_credentials")
async def verify_application(
    viewer: Viewer | None = Depends(optional_viewer), state: AppState = Depends(get_state)
) -> Response:
    if viewer is None:
        raise Unauthorized(INVALID_TOKEN)
    row = await get_application(db=state.db, application_id=viewer.application_id)
    return json_response(render_application(row))


# --- the authorization code flow --------------------------------------------------------


@router.get("/oauth/authorize")
async def authorize_form(request: Request, state: AppState = Depends(get_state)) -> Response:
    params = await read_params(request)
    try:
        checked = await _check(state, params)
    except AuthorizationError as exc:
        return _authorization_failed(exc, state.settings)
    return _page(_form(request, state.settings, checked))


@router.post("/oauth/authorize")
async def authorize(request: Request, state: AppState = Depends(get_state)) -> Response:
    params = await read_params(request)
    try:
        checked = await _check(state, params)
        if params.text("decision") == "deny":
            raise AuthorizationError(
                "access_denied", redirect_uri=checked.redirect_uri, state=checked.state
            )
    except AuthorizationError as exc:
        return _authorization_failed(exc, state.settings)
    login = params.text("username") or ""
    try:
        code = await sign_in_and_authorize(
            db=state.db, request=checked, login=login, password=params.text("password") or ""
        )
    except (Unauthorized, Forbidden) as exc:
        status = 403 if isinstance(exc, Forbidden) else 422
        page = _form(request, state.settings, checked, login=login, error=exc.message)
        return _page(page, status_code=status)
    if checked.out_of_band:
        title, name = state.settings.instance_title, checked.application["name"]
        return _page(code_page(instance_title=title, app_name=name, code=code))
    answer = {"code": code} | ({"state": checked.state} if checked.state is not None else {})
    return RedirectResponse(_with_query(checked.redirect_uri, answer), status_code=302)


async def _check(state: AppState, params: Params) -> AuthorizationRequest:
    return await check_authorization_request(
        db=state.db,
        client_id=params.text("client_id"),
        redirect_uri=params.text("redirect_uri"),
        response_type=params.text("response_type"),
        scope=params.text("scope"),
        state=params.text("state"),
    )


def _form(
    request: Request,
    settings: Settings,
    checked: AuthorizationRequest,
    *,
    login: str = "",
    error: str | None = None,
) -> str:
    return authorize_page(
        instance_title=settings.instance_title,
        action=request.url.path,
        app_name=checked.application["name"],
        app_website=checked.application["website"],
        client_id=checked.application["client_id"],
        redirect_uri=checked.redirect_uri,
        out_of_band=checked.out_of_band,
        scopes=sorted(checked.scopes),
        state=checked.state,
        login=login,
        error=error,
    )


def _authorization_failed(exc: AuthorizationError, settings: Settings) -> Response:
    """Send the error back to the client when its redirect URI is trusted, else show it."""
    if exc.redirectable and exc.redirect_uri is not None:
        answer = {"error": exc.code, "error_description": exc.message}
        if exc.state is not None:
            answer["state"] = exc.state
        return RedirectResponse(_with_query(exc.redirect_uri, answer), status_code=302)
    page = error_page(instance_title=settings.instance_title, description=exc.message)
    return _page(page, status_code=exc.status_code)


def _page(html: str, *, status_code: int = 200) -> Response:
    return HTMLResponse(html, status_code=status_code, headers=_PAGE_HEADERS)


def _with_query(uri: str, values: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(part for part in (parts.query, urlencode(values)) if part)
    return urlunsplit(parts._replace(query=query))


# --- tokens -----------------------------------------------------------------------------


@router.post("/oauth/token")
async def token(request: Request, state: AppState = Depends(get_state)) -> Response:
    params = await read_params(request)
    try:
        issued = await _grant(request, state, params)
    except OAuthError as exc:
        return _oauth_error(exc)
    return json_response(render_token(issued), headers=_TOKEN_HEADERS)


async def _grant(request: Request, state: AppState, params: Params) -> IssuedToken:
    client_id, client_secret = _client_credentials(request, params)
    grant_type = params.text("grant_type")
    if grant_type == "authorization_code":
        return await exchange_code(
            db=state.db,
            client_id=client_id,
            client_secret=client_secret,
            code=_required(params, "code"),
            redirect_uri=params.text("redirect_uri"),
        )
    if grant_type == "password":
        return await password_grant(
            db=state.db,
            client_id=client_id,
            client_secret=client_secret,
            username=_required(params, "username"),
            password=_required(params, "password"),
            scope=params.text("scope"),
        )
    if grant_type == "client_credentials":
        return await client_credentials_grant(
            db=state.db,
            client_id=client_id,
            client_secret=client_secret,
            scope=params.text("scope"),
        )
    if not grant_type:
        raise OAuthError("invalid_request", "Missing required parameter: grant_type.")
    raise OAuthError("unsupported_grant_type")


@router.post("/oauth/revoke")
async def revoke_token(request: Request, state: AppState = Depends(get_state)) -> Response:
    params = await read_params(request)
    client_id, client_secret = _client_credentials(request, params)
    try:
        await revoke(
            db=state.db,
            redis=state.redis,
            keys=state.keys,
            client_id=client_id,
            client_secret=client_secret,
            token=params.text("token"),
        )
    except OAuthError as exc:
        return _oauth_error(exc)
    return json_response({})


def _required(params: Params, name: str) -> str:
    value = params.text(name)
    if not value:
        raise OAuthError("invalid_request", f"Missing required parameter: {name}.")
    return value


def _client_credentials(request: Request, params: Params) -> tuple[str | None, str | None]:
    """Client id and secret from HTTP Basic (RFC 6749 section 2.3.1) or the body."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, separator, client_secret = decoded.partition(":")
        if separator:
            return unquote_plus(client_id), unquote_plus(client_secret)
        return None, None
    return params.text("client_id"), params.text("client_secret")


def _oauth_error(exc: OAuthError) -> Response:
    headers = dict(_TOKEN_HEADERS)
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = f'Bearer realm="Roost", error="{exc.code}"'
    return json_response(exc.body, status_code=exc.status_code, headers=headers)

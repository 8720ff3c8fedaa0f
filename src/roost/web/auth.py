"""Bearer-token authentication and per-endpoint scope checks, as FastAPI dependencies.

Usage in an api module::

    @router.get("/api/v1/favourites")
    async def favourites(viewer: Viewer = Depends(user_with_scope("read:favourites"))): ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from roost.errors import DomainError, Forbidden, Unauthorized
from roost.oauth import token_cache
from roost.oauth.scopes import grants
from roost.oauth.service import Viewer
from roost.timelines.activity import note_activity
from roost.web.state import AppState

INVALID_TOKEN = "The access token is invalid"


def bearer_token(request: Request) -> str | None:
    """The token from ``Authorization: Bearer`` or the ``access_token`` query parameter."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("access_token") or None


async def optional_viewer(request: Request) -> Viewer | None:
    """The viewer if a token was sent; a sent but invalid token is still a 401.

    Async and without sub-dependencies on purpose: FastAPI runs a sync dependency in a
    thread pool, which cost the hot home route more CPU than the whole token check.
    """
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    token = bearer_token(request)
    if token is None:
        return None
    state: AppState = request.app.state.roost
    entry = await token_cache.authenticate(
        db=state.db, token=token, ttl=state.settings.token_cache_seconds
    )
    if entry is None:
        raise Unauthorized(INVALID_TOKEN)
    await note_activity(
        entry=entry, settings=state.settings, db=state.db, redis=state.redis, keys=state.keys
    )
    request.state.viewer = entry.viewer
    return entry.viewer


def require_scope(viewer: Viewer | None, scope: str) -> Viewer:
    """Any valid token (app or user) that grants ``scope``."""
    if viewer is None:
        raise Unauthorized(INVALID_TOKEN)
    if not grants(viewer.scopes, scope):
        raise Forbidden("This action is outside the authorized scopes")
    return viewer


def require_user_scope(viewer: Viewer | None, scope: str) -> Viewer:
    """A user token that grants ``scope`` (app-only tokens get 422, as Mastodon)."""
    checked = require_scope(viewer, scope)
    if checked.account_id is None:
        raise DomainError("This method requires an authenticated user", status_code=422)
    return checked


def token_with_scope(scope: str) -> Callable[..., Awaitable[Viewer]]:
    """Dependency: any valid token (app or user) that grants ``scope``."""

    async def dependency(request: Request) -> Viewer:
        return require_scope(await optional_viewer(request), scope)

    return dependency


def user_with_scope(scope: str) -> Callable[..., Awaitable[Viewer]]:
    """Dependency: a user token that grants ``scope`` (app-only tokens get 422, as Mastodon)."""

    async def dependency(request: Request) -> Viewer:
        return require_user_scope(await optional_viewer(request), scope)

    return dependency


def viewer_account_id(viewer: Viewer | None) -> int | None:
    return viewer.account_id if viewer is not None else None


def viewer_if_token_grants(scope: str) -> Callable[..., Awaitable[Viewer | None]]:
    """Dependency: no token is fine, but a token sent must grant ``scope`` (Mastodon's
    ``authorize_if_got_token!``)."""

    async def dependency(request: Request) -> Viewer | None:
        viewer = await optional_viewer(request)
        if viewer is not None and not grants(viewer.scopes, scope):
            raise Forbidden("This action is outside the authorized scopes")
        return viewer

    return dependency


def acting_account_id(viewer: Viewer) -> int:
    """The account behind a user token (``user_with_scope`` has already refused app tokens)."""
    assert viewer.account_id is not None
    return viewer.account_id

"""Mastodon's Application and Token entities."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping

from roost.oauth.applications import redirect_uri_list
from roost.oauth.scopes import format_scopes, parse_scopes
from roost.oauth.service import IssuedToken

# Roost has no Web Push yet, so there is no VAPID key to hand out.
VAPID_KEY = ""


def render_application(row: RowMapping, *, client_secret: str | None = None) -> dict[str, Any]:
    """The Application entity; with the client credentials only right after registration."""
    uris = redirect_uri_list(row["redirect_uris"])
    data: dict[str, Any] = {
        "id": str(row["id"]),
        "name": row["name"],
        "website": row["website"],
        "scopes": sorted(parse_scopes(row["scopes"])),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": VAPID_KEY,
    }
    if client_secret is not None:
        data["client_id"] = row["client_id"]
        data["client_secret"] = client_secret
        data["client_secret_expires_at"] = 0
    return data


def render_token(issued: IssuedToken) -> dict[str, Any]:
    """The Token entity (RFC 6749's access token response, as Mastodon sends it)."""
    return {
        "access_token": issued.token,
        "token_type": "Bearer",
        "scope": format_scopes(issued.scopes),
        "created_at": issued.created_at_epoch,
    }

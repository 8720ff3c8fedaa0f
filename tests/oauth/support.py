"""Helpers for OAuth tests: register apps and get tokens through the real endpoints."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx

OOB = "urn:ietf:wg:oauth:2.0:oob"
ALL_SCOPES = "read write follow push"


async def register_app(
    client: httpx.AsyncClient,
    *,
    name: str = "Test client",
    scopes: str | None = ALL_SCOPES,
    redirect_uris: str = OOB,
) -> dict[str, Any]:
    data = {"client_name": name, "redirect_uris": redirect_uris}
    if scopes is not None:
        data["scopes"] = scopes
    response = await client.post("/api/v1/apps", data=data)
    assert response.status_code == 200, response.text
    app: dict[str, Any] = response.json()
    return app


async def app_token(client: httpx.AsyncClient, app: dict[str, Any], scope: str = ALL_SCOPES) -> str:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def password_login(
    client: httpx.AsyncClient,
    app: dict[str, Any],
    *,
    username: str,
    password: str,
    scope: str = ALL_SCOPES,
) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": username,
            "password": password,
            "scope": scope,
        },
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def form_fields(page: str) -> dict[str, str]:
    """The named inputs of the first form on a page, as a browser would submit them."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return fields


def form_action(page: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]*)"', page)
    assert match, "no form on the page"
    return unescape(match.group(1))

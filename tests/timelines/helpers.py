"""Story helpers for timeline tests: everything goes through the HTTP API."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.conftest import Actor

_LINK = re.compile(r'<([^>]+)>;\s*rel="(\w+)"')
HOME = "/api/v1/timelines/home"

# Set by tests/timelines/conftest.py: ``await DRAIN()`` runs the workers to the end.
DRAIN: Callable[[], Awaitable[Any]] | None = None


async def settle() -> None:
    """Let the workers deliver everything written so far (fan-out, removals, rebuilds)."""
    if DRAIN is not None:
        await DRAIN()


async def post(actor: Actor, text: str, **fields: Any) -> dict[str, Any]:
    response = await actor.post("/api/v1/statuses", json={"status": text, **fields})
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def reblog(actor: Actor, status: dict[str, Any]) -> dict[str, Any]:
    response = await actor.post(f"/api/v1/statuses/{status['id']}/reblog")
    assert response.status_code == 200, response.text
    wrapper: dict[str, Any] = response.json()
    return wrapper


async def relate(actor: Actor, target: Actor, action: str, **fields: Any) -> None:
    """``follow``, ``unfollow``, ``mute``, ``block``... ``target`` through the API."""
    response = await actor.post(f"/api/v1/accounts/{target.id}/{action}", json=fields or None)
    assert response.status_code == 200, response.text


async def timeline(
    actor: Actor | httpx.AsyncClient, url: str, **params: Any
) -> list[dict[str, Any]]:
    if url == HOME:
        await settle()
    response = await actor.get(url, params=params or None)
    assert response.status_code == 200, response.text
    statuses: list[dict[str, Any]] = response.json()
    return statuses


async def home_ids(actor: Actor, **params: Any) -> list[str]:
    return [status["id"] for status in await timeline(actor, "/api/v1/timelines/home", **params)]


async def public_ids(client: Actor | httpx.AsyncClient, **params: Any) -> list[str]:
    statuses = await timeline(client, "/api/v1/timelines/public", **params)
    return [status["id"] for status in statuses]


def links(response: httpx.Response) -> dict[str, str]:
    """The ``Link`` header as {rel: url}."""
    return {rel: url for url, rel in _LINK.findall(response.headers.get("link", ""))}


def newest_first(ids: list[str]) -> list[str]:
    return sorted(ids, key=int, reverse=True)

"""Story helpers for notification tests: everything goes through the HTTP API."""

from __future__ import annotations

from typing import Any

from tests.conftest import Actor

NOTIFICATIONS = "/api/v1/notifications"


async def post(actor: Actor, text: str, **fields: Any) -> dict[str, Any]:
    response = await actor.post("/api/v1/statuses", json={"status": text, **fields})
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def act(actor: Actor, url: str, **fields: Any) -> None:
    response = await actor.post(url, json=fields or None)
    assert response.status_code == 200, response.text


async def notifications(actor: Actor, **params: Any) -> list[dict[str, Any]]:
    response = await actor.get(NOTIFICATIONS, params=params or None)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


async def kinds(actor: Actor, **params: Any) -> list[tuple[str, str, str | None]]:
    """(type, from username, status id) of each notification, newest first."""
    return [
        (item["type"], item["account"]["username"], (item.get("status") or {}).get("id"))
        for item in await notifications(actor, **params)
    ]

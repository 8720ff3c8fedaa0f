"""Story helpers for status tests: actions go through the HTTP API, counters are read back."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from roost.accounts.schema import accounts
from roost.db import Database
from roost.statuses.schema import statuses
from tests.conftest import Actor

_LINK = re.compile(r'<([^>]+)>;\s*rel="(\w+)"')


async def post(actor: Actor, text: str, **fields: Any) -> dict[str, Any]:
    """Post a status as ``actor`` and return the Status entity."""
    response = await actor.post("/api/v1/statuses", json={"status": text, **fields})
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def relate(actor: Actor, target: Actor, action: str) -> None:
    """``follow``, ``block``, ``unblock``... ``target`` through the accounts API."""
    response = await actor.post(f"/api/v1/accounts/{target.id}/{action}")
    assert response.status_code == 200, response.text


async def act(actor: Actor, status_id: str, action: str, **fields: Any) -> httpx.Response:
    """POST ``/api/v1/statuses/:id/<action>`` (favourite, reblog, ...)."""
    return await actor.post(f"/api/v1/statuses/{status_id}/{action}", json=fields or None)


async def statuses_count(db: Database, actor: Actor) -> int:
    async with db.read() as conn:
        query = select(accounts.c.statuses_count).where(accounts.c.id == int(actor.id))
        count: int = (await conn.execute(query)).scalar_one()
    return count


async def status_counters(db: Database, status_id: str) -> dict[str, int]:
    """replies/reblogs/favourites counters of a status as stored."""
    async with db.read() as conn:
        query = select(
            statuses.c.replies_count, statuses.c.reblogs_count, statuses.c.favourites_count
        ).where(statuses.c.id == int(status_id))
        row = (await conn.execute(query)).mappings().one()
    return {
        "replies": row["replies_count"],
        "reblogs": row["reblogs_count"],
        "favourites": row["favourites_count"],
    }


async def status_exists(db: Database, status_id: str) -> bool:
    async with db.read() as conn:
        query = select(statuses.c.id).where(statuses.c.id == int(status_id))
        return (await conn.execute(query)).first() is not None


def links(response: httpx.Response) -> dict[str, str]:
    """The ``Link`` header as {rel: url}."""
    return {rel: url for url, rel in _LINK.findall(response.headers.get("link", ""))}


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]

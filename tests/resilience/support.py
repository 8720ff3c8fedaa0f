"""Polling helpers of the outage tests (deadlines, never fixed sleeps)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx


async def eventually(
    check: Callable[[], Awaitable[Any]], *, within: float = 10.0, interval: float = 0.05
) -> Any:
    """Await ``check()`` until it returns something truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {within} s: {check}")
        await asyncio.sleep(interval)


async def level(client: httpx.AsyncClient) -> int:
    response = await client.get("/health")
    assert response.status_code == 200
    return int(response.json()["level"])


async def reaches_level(client: httpx.AsyncClient, wanted: int, within: float = 10.0) -> None:
    async def check() -> bool:
        return await level(client) == wanted

    await eventually(check, within=within)

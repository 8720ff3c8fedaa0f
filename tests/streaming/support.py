"""Clients for live streams against a real server: SSE over httpx, WebSocket over websockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import uvicorn

from tests.e2e.server import free_port


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        timeout_graceful_shutdown=1,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Event:
    id: str | None
    event: str | None
    data: str

    def json(self) -> Any:
        return orjson.loads(self.data)


class SSE:
    """One open Server-Sent Events response; ``next`` parses the next event (or comment)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()
        self.comments: list[str] = []

    async def next(self, wait: float = 5.0, *, events: bool = True) -> Event:
        return await asyncio.wait_for(self._next(events), wait)

    async def _next(self, events: bool) -> Event:
        fields: dict[str, str] = {}
        async for line in self.lines:
            if line.startswith(":"):
                self.comments.append(line)
                if not events:
                    return Event(None, None, line)
                continue
            if line == "":
                if fields:
                    return Event(fields.get("id"), fields.get("event"), fields.get("data", ""))
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise EOFError("stream ended")

    async def updates_until(self, status_id: str, wait: float = 5.0) -> list[Event]:
        """Every ``update`` event up to and including the one of ``status_id``."""
        seen: list[Event] = []
        while True:
            event = await self.next(wait)
            if event.event != "update":
                continue
            seen.append(event)
            if event.event == "update" and event.json()["id"] == status_id:
                return seen


@asynccontextmanager
async def sse(
    base_url: str, path: str, *, token: str | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[SSE]:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
        http.stream("GET", path, headers=sent) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield SSE(response)


async def post_status(actor: Any, text: str, **fields: Any) -> str:
    response = await actor.post("/api/v1/statuses", json={"status": text, **fields})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])

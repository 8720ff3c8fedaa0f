"""Open streams end as soon as the server starts shutting down, on both deployments.

The app runs under ``roost serve``'s own server class (``GracefulServer``) on a
loopback port with a long graceful-shutdown timeout: an SSE response finishes and a
WebSocket is closed with 1001 within a second of the shutdown, and the server is done
long before the timeout. A stream opened after the shutdown began ends at once too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
import websockets
from websockets.exceptions import ConnectionClosed

from roost.cli import GracefulServer
from roost.streaming.api import end_streams, live_sessions
from roost.streaming.session import ShuttingDown, StreamSession
from tests.e2e.server import free_port

GRACE_S = 10  # what a stuck stream would cost without GracefulServer
PROMPT_S = 1.5


@asynccontextmanager
async def graceful(app: Any) -> AsyncIterator[tuple[str, GracefulServer, asyncio.Task[None]]]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        timeout_graceful_shutdown=GRACE_S,
    )  # fmt: skip
    server = GracefulServer(config, end_streams=lambda: end_streams(app))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", server, task
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, GRACE_S + 5)


async def _read_sse_to_end(url: str, token: str, opened: asyncio.Event) -> float:
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(5, read=30)) as http,
        http.stream(
            "GET", f"{url}/api/v1/streaming/user", headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        assert response.status_code == 200
        async for _ in response.aiter_raw():
            opened.set()
    return time.monotonic()  # the response finished: no error, a clean end


async def _read_websocket_to_close(url: str, token: str, opened: asyncio.Event) -> int | None:
    ws_url = url.replace("http://", "ws://") + "/api/v1/streaming?stream=user"
    async with websockets.connect(
        ws_url, additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        opened.set()
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


async def test_streams_end_at_once_when_the_server_shuts_down(app: Any, alice: Any) -> None:
    async with graceful(app) as (url, server, task):
        sse_open, ws_open = asyncio.Event(), asyncio.Event()
        sse = asyncio.create_task(_read_sse_to_end(url, alice.token, sse_open))
        ws = asyncio.create_task(_read_websocket_to_close(url, alice.token, ws_open))
        await asyncio.wait_for(asyncio.gather(sse_open.wait(), ws_open.wait()), 10)
        assert len(live_sessions(app)) == 2

        started = time.monotonic()
        server.should_exit = True
        sse_ended = await asyncio.wait_for(sse, PROMPT_S + 1)
        close_code = await asyncio.wait_for(ws, PROMPT_S + 1)
        await asyncio.wait_for(task, PROMPT_S + 1)

        assert sse_ended - started < PROMPT_S
        assert close_code == 1001
        assert time.monotonic() - started < PROMPT_S + 1, "the server did not wait out its timeout"
        assert len(live_sessions(app)) == 0


async def test_a_stream_opened_during_shutdown_ends_at_once(app: Any) -> None:
    live = live_sessions(app)
    assert end_streams(app) == 0
    state = app.state.roost
    from roost.timelines.engine import engine

    session = StreamSession(
        hub=app.state.stream_hub,
        engine=engine(settings=state.settings, db=state.db, redis=state.redis, keys=state.keys),
        account_id=None,
        queue_size=10,
        live=live,
    )
    try:
        started = time.monotonic()
        try:
            await session.next(wait=5)
        except ShuttingDown:
            pass
        else:
            raise AssertionError("a session opened after end_streams must end")
        assert time.monotonic() - started < 0.5
    finally:
        await session.close()

"""Live streams: a user stream carries only its owner's events, public and hashtag streams
never carry private statuses nor a blocker's statuses to the blocked, and user streams need
an account (over SSE and the WebSocket). Against a real server (streams need a socket)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import websockets

from tests.conftest import Actor
from tests.statuses.support import relate
from tests.streaming.support import post_status, serve, sse


@pytest.fixture
async def server_url(app: Any) -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


async def test_streams_carry_only_what_each_listener_may_see(
    server_url: str, alice: Actor, bob: Actor, carol: Actor, make_actor: Any, drain: Any
) -> None:
    mallory: Actor = await make_actor("mallory")
    await relate(carol, alice, "follow")
    await relate(alice, mallory, "block")
    await drain()
    async with (
        sse(server_url, "/api/v1/streaming/user", token=bob.token) as bobs,
        sse(server_url, "/api/v1/streaming/user", token=carol.token) as carols,
        sse(server_url, "/api/v1/streaming/public", token=mallory.token) as mallorys,
        sse(server_url, "/api/v1/streaming/hashtag?tag=birds", token=mallory.token) as tagged,
        sse(server_url, "/api/v1/streaming/hashtag?tag=birds") as anonymous_tag,
        sse(server_url, "/api/v1/streaming/public") as anonymous,
    ):
        public = await post_status(alice, "open #birds")
        private = await post_status(alice, "followers only #birds", visibility="private")
        await drain()
        marker = await post_status(bob, "marker #birds")
        await drain()
        # Positive controls: the follower gets the private status, anonymous the public one.
        assert [e.json()["id"] for e in await carols.updates_until(private)] == [public, private]
        assert [e.json()["id"] for e in await anonymous.updates_until(marker)] == [public, marker]
        assert [e.json()["id"] for e in await anonymous_tag.updates_until(marker)] == [
            public,
            marker,
        ]
        # bob's own user stream: only his own status, nothing of alice's.
        assert [e.json()["id"] for e in await bobs.updates_until(marker)] == [marker]
        for stream in (mallorys, tagged):
            assert [e.json()["id"] for e in await stream.updates_until(marker)] == [marker]


async def _next(ws: Any, wait: float = 5.0) -> dict[str, Any]:
    return orjson.loads(await asyncio.wait_for(ws.recv(), wait))


async def test_websocket_user_stream_needs_an_account_and_is_always_the_callers(
    server_url: str, alice: Actor, bob: Actor, drain: Any
) -> None:
    url = server_url.replace("http://", "ws://") + "/api/v1/streaming"
    async with websockets.connect(url) as ws:
        await ws.send(orjson.dumps({"type": "subscribe", "stream": "user"}).decode())
        assert (await _next(ws))["status"] == 401
    # An account id in the request does not pick someone else's stream.
    async with websockets.connect(f"{url}?access_token={bob.token}&account_id={alice.id}") as ws:
        await ws.send(orjson.dumps({"type": "subscribe", "stream": "user", "id": alice.id}))
        await asyncio.sleep(0.2)
        await post_status(alice, "@bob hello", visibility="direct")  # reaches bob: mentioned
        secret = await post_status(alice, "only mine", visibility="direct")
        await drain()
        payloads: list[Any] = []
        while len(payloads) < 2:  # the direct status and its mention notification
            message = await _next(ws)
            payloads.append(orjson.loads(message["payload"]))
        assert secret not in str(payloads)
        with pytest.raises(asyncio.TimeoutError):
            await _next(ws, wait=0.5)

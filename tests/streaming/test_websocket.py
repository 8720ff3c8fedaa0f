"""The multiplexed WebSocket stream and the bounded per-client queue, on both deployments."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import orjson
import pytest
import websockets

from roost.streaming.hub import Outgoing
from tests.streaming.conftest import QUEUE_SIZE
from tests.streaming.support import post_status


def _ws_url(server_url: str) -> str:
    return server_url.replace("http://", "ws://") + "/api/v1/streaming"


async def _next(ws: Any, wait: float = 5.0) -> dict[str, Any]:
    return orjson.loads(await asyncio.wait_for(ws.recv(), wait))  # type: ignore[no-any-return]


async def test_websocket_subscribe_unsubscribe_and_multiplexed_events(
    server_url: str, alice: Any, bob: Any, drain: Any
) -> None:
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    # The token as Sec-WebSocket-Protocol, as Mastodon allows; the server echoes it.
    async with websockets.connect(_ws_url(server_url), subprotocols=[bob.token]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == bob.token
        await ws.send(orjson.dumps({"type": "subscribe", "stream": "user"}).decode())
        await ws.send(orjson.dumps({"type": "subscribe", "stream": "hashtag", "tag": "cats"}))
        await asyncio.sleep(0.2)
        status_id = await post_status(alice, "I like #cats")
        await drain()
        got = [await _next(ws), await _next(ws)]
        assert sorted(tuple(m["stream"]) for m in got) == [("hashtag", "cats"), ("user",)]
        for message in got:
            assert message["event"] == "update"
            assert orjson.loads(message["payload"])["id"] == status_id

        await ws.send(orjson.dumps({"type": "unsubscribe", "stream": "hashtag", "tag": "cats"}))
        await ws.send(orjson.dumps({"type": "subscribe", "stream": "bogus"}))
        error = await _next(ws)
        assert error["status"] == 422
        second = await post_status(alice, "more #cats")
        await drain()
        message = await _next(ws)
        assert message["stream"] == ["user"]
        assert orjson.loads(message["payload"])["id"] == second
        with pytest.raises(asyncio.TimeoutError):
            await _next(ws, wait=0.5)


async def test_websocket_with_access_token_query_replays_since_id(
    server_url: str, alice: Any, drain: Any
) -> None:
    url = f"{_ws_url(server_url)}?access_token={alice.token}&stream=user"
    async with websockets.connect(url) as ws:
        first = await post_status(alice, "one")
        await drain()
        seen = await _next(ws)
        assert orjson.loads(seen["payload"])["id"] == first
    missed = await post_status(alice, "two")
    await drain()
    async with websockets.connect(f"{url}&since_id={seen['id']}") as ws:
        message = await _next(ws)
        assert orjson.loads(message["payload"])["id"] == missed


async def test_websocket_rejects_a_bad_token(server_url: str) -> None:
    with pytest.raises(websockets.InvalidStatus) as info:
        async with websockets.connect(f"{_ws_url(server_url)}?access_token=nope"):
            pass
    assert info.value.response.status_code == 401


async def test_slow_client_is_disconnected_when_its_queue_overflows(
    server_url: str, app: Any
) -> None:
    hub = app.state.stream_hub
    host, port = server_url.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.sendall(b"GET /api/v1/streaming/public HTTP/1.1\r\nHost: x\r\n\r\n")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while "public" not in hub.listeners.by_channel:
        assert loop.time() < deadline
        await asyncio.sleep(0.01)
    big = "x" * 65_536
    published = 200
    for _ in range(published // 20):
        await hub.publish([Outgoing("public", "update", big)] * 20)
        await asyncio.sleep(0.01)
    # The client reads nothing: the server stops listening for it instead of buffering.
    while "public" in hub.listeners.by_channel:
        assert loop.time() < deadline + 10, "the slow client was never disconnected"
        await asyncio.sleep(0.05)
    sock.setblocking(False)
    received = b""
    while loop.time() < deadline + 20 and not received.endswith(b"0\r\n\r\n"):
        try:
            chunk = await loop.sock_recv(sock, 65_536)
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    sock.close()
    assert 0 < received.count(b"event: update") < published
    assert received.count(b"event: update") <= QUEUE_SIZE + 200  # far fewer than sent

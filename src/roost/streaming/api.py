"""Mastodon's streaming API: health, Server-Sent Events per stream, the multiplexed WebSocket.

Beyond Mastodon: every event carries an id (the SSE ``id:`` line, ``"id"`` in WebSocket
messages). A client that reconnects with ``Last-Event-ID`` (SSE) or ``since_id`` (SSE
query parameter, or a field of the WebSocket ``subscribe`` message) first receives what
the stream carried after that id within ``streaming_replay_seconds``, then live events.

When the server shuts down (``end_streams``), every SSE response ends and every
WebSocket closes with 1001 (going away) at once; clients reconnect (to another process)
with their last event id and miss nothing kept for replay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import orjson
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import PlainTextResponse, StreamingResponse

from roost.errors import DomainError, Forbidden, Unauthorized, Validation
from roost.oauth import token_cache
from roost.oauth.scopes import grants
from roost.oauth.service import Viewer
from roost.streaming.hub import StreamHub
from roost.streaming.messages import SCOPES, Stream, parse_event_id, resolve_stream
from roost.streaming.session import LiveSessions, Overflow, ShuttingDown, StreamSession
from roost.timelines.engine import engine
from roost.web.auth import INVALID_TOKEN, bearer_token
from roost.web.responses import json_response
from roost.web.state import AppState

router = APIRouter()

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _state(app: Any) -> tuple[AppState, StreamHub]:
    return app.state.roost, app.state.stream_hub


def live_sessions(app: Any) -> LiveSessions:
    """The app's open streaming sessions (made on first use: the app factory need not know)."""
    live: LiveSessions | None = getattr(app.state, "stream_sessions", None)
    if live is None:
        live = app.state.stream_sessions = LiveSessions()
    return live


def end_streams(app: Any) -> int:
    """End every open SSE and WebSocket stream of ``app`` now (server shutdown); how many."""
    return live_sessions(app).end_all()


async def _viewer(state: AppState, token: str | None) -> Viewer | None:
    if token is None:
        return None
    entry = await token_cache.authenticate(
        db=state.db, token=token, ttl=state.settings.token_cache_seconds
    )
    if entry is None:
        raise Unauthorized(INVALID_TOKEN)
    return entry.viewer


def _check_anonymous(state: AppState, viewer: Viewer | None) -> None:
    if viewer is None and not state.settings.timeline_preview:
        raise Unauthorized("Missing access token")


def _stream(viewer: Viewer | None, name: str, tag: str | None) -> Stream:
    """Resolve a stream name for this viewer, checking the scope it needs."""
    account_id = viewer.account_id if viewer is not None else None
    scope = SCOPES.get(name, "read:statuses")
    if viewer is not None and not (grants(viewer.scopes, scope) or grants(viewer.scopes, "read")):
        raise Forbidden("This action is outside the authorized scopes")
    if name in SCOPES and account_id is None:
        raise Unauthorized("This stream requires an authenticated user")
    return resolve_stream(name, account_id=account_id, tag=tag)


def _session(app: Any, viewer: Viewer | None) -> StreamSession:
    state, hub = _state(app)
    return StreamSession(
        hub=hub,
        engine=engine(settings=state.settings, db=state.db, redis=state.redis, keys=state.keys),
        account_id=viewer.account_id if viewer is not None else None,
        queue_size=state.settings.streaming_queue_size,
        live=live_sessions(app),
    )


@router.get("/api/v1/streaming/health")
async def health() -> PlainTextResponse:
    return PlainTextResponse("OK")


async def _sse(request: Request, name: str, tag: str | None = None) -> StreamingResponse:
    state, _ = _state(request.app)
    viewer = await _viewer(state, bearer_token(request))
    _check_anonymous(state, viewer)
    stream = _stream(viewer, name, tag)
    since = parse_event_id(
        request.headers.get("last-event-id") or request.query_params.get("since_id")
    )
    session = _session(request.app, viewer)
    await session.subscribe(stream, since)
    heartbeat = state.settings.streaming_heartbeat_seconds

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b":)\n\n"
            while True:
                try:
                    item = await session.next(heartbeat)
                except (Overflow, ShuttingDown):
                    return  # too slow, or the server is stopping: the response ends
                yield b":thump\n\n" if item is None else item[1].sse()
        finally:
            # Shielded: a client that went away cancels this generator, and without the
            # shield close()'s first await would be cancelled too, leaking the session's
            # hub subscriptions (found by the fuzz suite cutting event streams short).
            with anyio.CancelScope(shield=True):
                await session.close()

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/api/v1/streaming/user")
async def stream_user(request: Request) -> StreamingResponse:
    return await _sse(request, "user")


@router.get("/api/v1/streaming/user/notification")
async def stream_user_notification(request: Request) -> StreamingResponse:
    return await _sse(request, "user:notification")


@router.get("/api/v1/streaming/public")
async def stream_public(request: Request) -> StreamingResponse:
    return await _sse(request, "public")


@router.get("/api/v1/streaming/public/local")
async def stream_public_local(request: Request) -> StreamingResponse:
    return await _sse(request, "public:local")


@router.get("/api/v1/streaming/hashtag")
async def stream_hashtag(request: Request) -> StreamingResponse:
    return await _sse(request, "hashtag", request.query_params.get("tag"))


# --- WebSocket ----------------------------------------------------------------------------


def _websocket_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """The token (header, ``access_token``, or Sec-WebSocket-Protocol) and the protocol to echo."""
    header = websocket.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), None
    query = websocket.query_params.get("access_token")
    if query:
        return query, None
    protocol = websocket.headers.get("sec-websocket-protocol", "").split(",")[0].strip()
    return (protocol, protocol) if protocol else (None, None)


def _error(message: str, status: int) -> str:
    return orjson.dumps({"error": message, "status": status}).decode()


@router.websocket("/api/v1/streaming")
async def stream_websocket(websocket: WebSocket) -> None:
    state, _ = _state(websocket.app)
    token, protocol = _websocket_token(websocket)
    try:
        viewer = await _viewer(state, token)
        _check_anonymous(state, viewer)
        initial = websocket.query_params.get("stream")
        first = _stream(viewer, initial, websocket.query_params.get("tag")) if initial else None
        since = parse_event_id(websocket.query_params.get("since_id"))
    except DomainError as exc:
        await _deny(websocket, exc)
        return
    await websocket.accept(subprotocol=protocol)
    session = _session(websocket.app, viewer)
    try:
        if first is not None:
            await session.subscribe(first, since)
        await _run_websocket(websocket, session, viewer, state.settings.streaming_heartbeat_seconds)
    finally:
        await session.close()


async def _deny(websocket: WebSocket, exc: DomainError) -> None:
    response = json_response({"error": exc.message}, status_code=exc.status_code)
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(response)
    else:
        await websocket.close(code=1008, reason=exc.message)


async def _run_websocket(
    websocket: WebSocket, session: StreamSession, viewer: Viewer | None, heartbeat: float
) -> None:
    reader = asyncio.create_task(_read_commands(websocket, session, viewer))
    try:
        while not reader.done():
            try:
                item = await session.next(min(heartbeat, 1.0))
            except Overflow:
                await websocket.close(code=1008, reason="Client too slow")
                return
            except ShuttingDown:
                await websocket.close(code=1001, reason="Server shutting down")
                return
            if item is not None:
                stream, message = item
                await websocket.send_text(message.websocket(stream.label()))
    except (WebSocketDisconnect, RuntimeError):
        return
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


async def _read_commands(
    websocket: WebSocket, session: StreamSession, viewer: Viewer | None
) -> None:
    """``{"type": "subscribe"|"unsubscribe", "stream": ..., "tag": ..., "since_id": ...}``."""
    while True:
        try:
            frame = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if frame["type"] == "websocket.disconnect":
            return
        try:
            command = orjson.loads(frame.get("text") or frame.get("bytes") or b"")
            if not isinstance(command, dict):
                raise Validation("Invalid JSON")
            kind = command.get("type")
            if kind not in ("subscribe", "unsubscribe"):
                raise Validation("Unknown message type")
            stream = _stream(viewer, str(command.get("stream") or ""), command.get("tag"))
            if kind == "subscribe":
                await session.subscribe(stream, parse_event_id(command.get("since_id")))
            else:
                await session.unsubscribe(stream)
        except orjson.JSONDecodeError:
            await websocket.send_text(_error("Invalid JSON", 400))
        except DomainError as exc:
            await websocket.send_text(_error(exc.message, exc.status_code))

"""One streaming client: its subscriptions, bounded queue, replay and delivery-time filter.

Notes on design: the hub calls each subscription's ``deliver`` synchronously; it only
puts the message on the client's queue (bounded by ``streaming_queue_size``: past it the
client is marked overflowed and its transport disconnects it, so a slow client never
makes the server buffer without bound). Replay: a subscription with a ``since`` id is
attached first, holding live messages aside, then reads the channel's kept events after
``since``; the held ones follow, each message at most once (ids increase per channel).
Filtering (blocks and mutes of the receiving user, both ways) happens when the client
takes a message, against the viewer relationships the timeline engine caches.

Shutdown: every open session of a process is tracked in its ``LiveSessions``; when the
server starts shutting down it ends them all at once (``end``), so SSE responses finish
and WebSockets close with 1001 right away instead of holding the process until the
graceful-shutdown timeout cancels them mid-write.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

from roost.streaming.hub import StreamHub, id_key
from roost.streaming.messages import Stream, StreamMessage
from roost.timelines.engine import Engine
from roost.timelines.filters import ViewerContext

FILTERED_EVENTS = ("update", "status.update")


class Overflow(Exception):
    """The client fell more than its queue size behind."""


class ShuttingDown(Exception):
    """The server is shutting down: the transport ends the stream cleanly."""


class LiveSessions:
    """The open streaming sessions of one process, so a shutdown can end them all.

    Weak references: a session that is never closed (its task cancelled) cannot leak.
    Once ``end_all`` ran, a session opened late (a request already in flight) ends at once.
    """

    def __init__(self) -> None:
        self._sessions: weakref.WeakSet[StreamSession] = weakref.WeakSet()
        self.ending = False

    def add(self, session: StreamSession) -> None:
        self._sessions.add(session)
        if self.ending:
            session.end()

    def discard(self, session: StreamSession) -> None:
        self._sessions.discard(session)

    def __len__(self) -> int:
        return len(self._sessions)

    def end_all(self) -> int:
        """End every open session; how many there were."""
        self.ending = True
        sessions = list(self._sessions)
        for session in sessions:
            session.end()
        return len(sessions)


class _Subscription:
    def __init__(self, session: StreamSession, stream: Stream) -> None:
        self.session = session
        self.stream = stream
        self.last: tuple[int, int] = (0, 0)
        self.held: list[StreamMessage] | None = None

    def deliver(self, channel: str, message: StreamMessage) -> None:
        if self.held is not None:
            self.held.append(message)
            return
        self.push(message)

    def push(self, message: StreamMessage) -> None:
        key = id_key(message.id)
        if key <= self.last:
            return  # replayed already (or a gap refill of something seen)
        self.last = key
        self.session.offer(self.stream, message)


class StreamSession:
    def __init__(
        self,
        *,
        hub: StreamHub,
        engine: Engine,
        account_id: int | None,
        queue_size: int,
        live: LiveSessions | None = None,
    ) -> None:
        self.hub = hub
        self.engine = engine
        self.account_id = account_id
        self.queue: asyncio.Queue[tuple[Stream, StreamMessage]] = asyncio.Queue(queue_size)
        self.overflowed = False
        self._wakeup = asyncio.Event()
        self._subscriptions: dict[tuple[str, str | None], _Subscription] = {}
        self._closing: asyncio.Future[None] | None = None
        self.ending = False
        self._live = live
        if live is not None:
            live.add(self)

    def offer(self, stream: Stream, message: StreamMessage) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait((stream, message))
        except asyncio.QueueFull:
            # Stop listening at once (even if the transport is stuck writing to this client),
            # then the transport disconnects it when it next asks for a message.
            self.overflowed = True
            self._wakeup.set()
            self._closing = asyncio.ensure_future(self.close())

    def end(self) -> None:
        """Ask the transport to end this stream (server shutdown): ``next`` raises ShuttingDown."""
        self.ending = True
        self._wakeup.set()

    async def subscribe(self, stream: Stream, since: tuple[int, int] | None = None) -> None:
        key = (stream.name, stream.tag)
        if key in self._subscriptions:
            return
        subscription = _Subscription(self, stream)
        self._subscriptions[key] = subscription
        if since is None:
            await self.hub.attach(stream.channel, subscription.deliver)
            return
        subscription.held = []
        await self.hub.attach(stream.channel, subscription.deliver)
        try:
            missed = await self.hub.replay(stream.channel, since)
        finally:
            held, subscription.held = subscription.held, None
        subscription.last = since
        for message in [*missed, *held]:
            subscription.push(message)

    async def unsubscribe(self, stream: Stream) -> None:
        subscription = self._subscriptions.pop((stream.name, stream.tag), None)
        if subscription is not None:
            await self.hub.detach(stream.channel, subscription.deliver)

    async def next(self, wait: float) -> tuple[Stream, StreamMessage] | None:
        """The next message this client may see; None when ``wait`` seconds passed (heartbeat).

        Raises Overflow when the client fell too far behind, ShuttingDown when the server
        is stopping (queued messages are dropped: a reconnecting client replays them).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            if self.overflowed:
                raise Overflow
            if self.ending:
                raise ShuttingDown
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            if self.queue.empty():
                self._wakeup.clear()
                getter = asyncio.ensure_future(self.queue.get())
                waker = asyncio.ensure_future(self._wakeup.wait())
                try:
                    done, _ = await asyncio.wait(
                        {getter, waker}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    # Also when this coroutine is cancelled (the client went away): no
                    # helper task may outlive the session.
                    for task in (getter, waker):
                        if not task.done():
                            task.cancel()
                            with contextlib.suppress(asyncio.CancelledError):
                                await task
                if getter not in done:
                    continue
                item = getter.result()
            else:
                item = self.queue.get_nowait()
            if await self.allowed(item[1]):
                return item

    async def allowed(self, message: StreamMessage) -> bool:
        """Hide statuses from or about accounts the viewer blocks or mutes, or who block them."""
        if self.account_id is None or message.event not in FILTERED_EVENTS:
            return True
        cached = await self.engine.contexts.get_many([self.account_id])
        raw = cached.get(self.account_id)
        context = (
            ViewerContext.decode(raw)
            if raw is not None
            else await self.engine.load_context(self.account_id)
        )
        hidden = context.muting | context.blocking | context.blocked_by
        return not hidden.intersection(message.accounts)

    async def close(self) -> None:
        if self._live is not None:
            self._live.discard(self)
        subscriptions = list(self._subscriptions.values())
        self._subscriptions.clear()
        for subscription in subscriptions:
            with contextlib.suppress(Exception):
                await self.hub.detach(subscription.stream.channel, subscription.deliver)

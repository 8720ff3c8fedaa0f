"""The scaled-out stream hub: Redis pub/sub for live events, a capped stream per channel
for replay, and "listened" markers so workers skip channels nobody listens to.

Notes on design: publishing is one script call per event (pipelined for a batch): XADD
to the channel's replay stream (``MAXLEN ~ streaming_replay_maxlen``, then ``XTRIM
MINID ~`` the replay window, and an expiry so idle streams vanish), then PUBLISH
``<entry id>\\n<message>`` on the channel, so the live event and the replayed one
carry the same id. Each API process holds one pub/sub connection (its own client,
no silent retries) subscribed to the channels that have local listeners; when the
connection is lost it resubscribes and fills the gap of every channel from its
replay stream. While a channel has listeners the process refreshes its
``listened`` marker (expiring after the replay window), which workers check with
one pipelined EXISTS per batch before rendering anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from roost.cache.keys import Keys
from roost.streaming.hub import Deliver, Listeners, Outgoing, id_key
from roost.streaming.messages import StreamMessage

log = logging.getLogger(__name__)

PUBLISH_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'm', ARGV[4])
redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', now - tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], id .. '\\n' .. ARGV[4])
return id
"""
SUBSCRIBE_TIMEOUT_S = 5.0
MAX_BACKOFF_S = 5.0


class RedisHub:
    def __init__(
        self,
        *,
        redis: Redis,
        keys: Keys,
        redis_url: str,
        replay_seconds: float,
        replay_maxlen: int,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.redis_url = redis_url
        self.replay_ms = int(replay_seconds * 1000)
        self.replay_maxlen = replay_maxlen
        self.listeners = Listeners()
        self._script = redis.register_script(PUBLISH_SCRIPT)
        self._channel_prefix = keys.stream_channel("")
        self._control = keys.stream_channel("_hub")
        self._pubsub: Any = None
        self._ready = asyncio.Event()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._last_ids: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._marker_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # --- publishing (workers) -----------------------------------------------------------------

    async def publish(self, items: Sequence[Outgoing]) -> None:
        if not items:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for item in items:
                message = StreamMessage("", item.event, item.payload, item.accounts).encode()
                await self._script(
                    keys=[self.keys.stream_replay(item.channel)],
                    args=[
                        self.replay_maxlen,
                        self.replay_ms,
                        self.keys.stream_channel(item.channel),
                        message,
                    ],
                    client=pipe,
                )
            await pipe.execute()

    async def active(self, channels: Iterable[str]) -> set[str]:
        names = list(dict.fromkeys(channels))
        if not names:
            return set()
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.exists(self.keys.stream_listened(name))
            found = await pipe.execute()
        return {name for name, exists in zip(names, found, strict=True) if exists}

    async def replay(self, channel: str, after: tuple[int, int]) -> list[StreamMessage]:
        entries: list[tuple[bytes, dict[bytes, bytes]]] = await self.redis.xrange(  # type: ignore[assignment]
            self.keys.stream_replay(channel), min=f"({after[0]}-{after[1]}", max="+"
        )
        return [_message(entry_id, fields[b"m"]) for entry_id, fields in entries]

    # --- listening (API processes) ------------------------------------------------------------

    async def attach(self, channel: str, deliver: Deliver) -> None:
        first = self.listeners.add(channel, deliver)
        if not first:
            return
        await self.redis.set(self.keys.stream_listened(channel), b"1", px=self.replay_ms)
        await self._ensure_listening()
        confirmed = self._confirmed.setdefault(channel, asyncio.Event())
        async with self._lock:
            await self._pubsub.subscribe(self.keys.stream_channel(channel))
        await asyncio.wait_for(confirmed.wait(), SUBSCRIBE_TIMEOUT_S)

    async def detach(self, channel: str, deliver: Deliver) -> None:
        if self.listeners.remove(channel, deliver):
            self._confirmed.pop(channel, None)
            self._last_ids.pop(channel, None)
            # The marker stays until it expires: a client reconnecting soon gets its replay.
            if self._pubsub is not None and self._ready.is_set():
                with contextlib.suppress(Exception):
                    async with self._lock:
                        await self._pubsub.unsubscribe(self.keys.stream_channel(channel))

    async def _ensure_listening(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="stream-hub")
            self._marker_task = asyncio.create_task(self._refresh_markers(), name="stream-marks")
        await asyncio.wait_for(self._ready.wait(), SUBSCRIBE_TIMEOUT_S)

    async def _run(self) -> None:
        delay = 0.1
        resumed = False
        while True:
            try:
                await self._listen(resumed)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: resubscribe, replay the gap
                if self._ready.is_set():
                    delay = 0.1
                self._ready.clear()
                resumed = True
                log.warning("stream hub connection lost (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_S)

    async def _listen(self, resumed: bool) -> None:
        client = Redis.from_url(
            self.redis_url,
            decode_responses=False,
            socket_connect_timeout=5,
            health_check_interval=30,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            async with client.pubsub() as pubsub:
                channels = [self.keys.stream_channel(c) for c in self.listeners.by_channel]
                await pubsub.subscribe(self._control, *channels)
                self._pubsub = pubsub
                self._ready.set()
                if resumed:
                    await self._fill_gaps()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._handle(message)
        finally:
            self._pubsub = None
            self._ready.clear()
            await client.aclose()

    def _handle(self, message: dict[str, Any]) -> None:
        raw_channel = message["channel"]
        channel = (
            raw_channel.decode() if isinstance(raw_channel, bytes) else str(raw_channel)
        ).removeprefix(self._channel_prefix)
        if message["type"] == "subscribe":
            event = self._confirmed.get(channel)
            if event is not None:
                event.set()
        elif message["type"] == "message":
            event_id, _, body = bytes(message["data"]).partition(b"\n")
            decoded = _message(event_id, body)
            self._last_ids[channel] = decoded.id
            self.listeners.dispatch(channel, decoded)

    async def _fill_gaps(self) -> None:
        for channel, last in list(self._last_ids.items()):
            for message in await self.replay(channel, id_key(last)):
                self._last_ids[channel] = message.id
                self.listeners.dispatch(channel, message)

    async def _refresh_markers(self) -> None:
        interval = max(self.replay_ms / 3000, 0.5)
        while True:
            await asyncio.sleep(interval)
            channels = list(self.listeners.by_channel)
            if not channels:
                continue
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for channel in channels:
                        pipe.set(self.keys.stream_listened(channel), b"1", px=self.replay_ms)
                    await pipe.execute()
            except Exception as exc:
                log.warning("could not refresh stream listener markers: %s", exc)

    async def close(self) -> None:
        for task in (self._task, self._marker_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._marker_task = None
        self.listeners.by_channel.clear()


def _message(entry_id: bytes | str, body: bytes) -> StreamMessage:
    event_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return StreamMessage.decode(event_id, body)

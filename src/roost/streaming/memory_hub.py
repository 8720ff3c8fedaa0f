"""The embedded stream hub: one process, listeners and a ring buffer per channel in memory."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Sequence

from roost.streaming.hub import Deliver, Listeners, Outgoing, id_key
from roost.streaming.messages import StreamMessage


class MemoryHub:
    def __init__(self, *, replay_seconds: float, replay_maxlen: int) -> None:
        self.replay_seconds = replay_seconds
        self.replay_maxlen = replay_maxlen
        self.listeners = Listeners()
        self._buffers: dict[str, deque[tuple[float, StreamMessage]]] = {}
        self._listened_until: dict[str, float] = {}
        self._last = (0, 0)

    def _next_id(self) -> str:
        ms = int(time.time() * 1000)
        last_ms, last_seq = self._last
        self._last = (ms, 0) if ms > last_ms else (last_ms, last_seq + 1)
        return f"{self._last[0]}-{self._last[1]}"

    async def publish(self, items: Sequence[Outgoing]) -> None:
        now = time.monotonic()
        for item in items:
            message = StreamMessage(self._next_id(), item.event, item.payload, item.accounts)
            buffer = self._buffers.get(item.channel)
            if buffer is None:
                buffer = self._buffers[item.channel] = deque(maxlen=self.replay_maxlen)
            buffer.append((now, message))
            self._trim(item.channel, now)
            self.listeners.dispatch(item.channel, message)

    def _trim(self, channel: str, now: float) -> None:
        buffer = self._buffers.get(channel)
        while buffer and buffer[0][0] < now - self.replay_seconds:
            buffer.popleft()
        if buffer is not None and not buffer:
            del self._buffers[channel]

    async def active(self, channels: Iterable[str]) -> set[str]:
        now = time.monotonic()
        return {
            channel
            for channel in channels
            if channel in self.listeners.by_channel or self._listened_until.get(channel, 0.0) >= now
        }

    async def attach(self, channel: str, deliver: Deliver) -> None:
        self.listeners.add(channel, deliver)

    async def detach(self, channel: str, deliver: Deliver) -> None:
        if self.listeners.remove(channel, deliver):
            # Kept "listened" for the replay window: a client that reconnects gets what it missed.
            self._listened_until[channel] = time.monotonic() + self.replay_seconds
            if len(self._listened_until) > 100_000:
                now = time.monotonic()
                self._listened_until = {c: t for c, t in self._listened_until.items() if t >= now}

    async def replay(self, channel: str, after: tuple[int, int]) -> list[StreamMessage]:
        self._trim(channel, time.monotonic())
        return [m for _, m in self._buffers.get(channel, ()) if id_key(m.id) > after]

    async def close(self) -> None:
        self.listeners.by_channel.clear()

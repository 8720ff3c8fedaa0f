"""The stream hub port: publish events to channels, listen to channels, replay recent ones.

Notes on design: two adapters implement it - ``redis_hub.RedisHub`` (scaled out: Redis
pub/sub carries live events between processes, one capped Redis stream per channel keeps
the last minutes for replay) and ``memory_hub.MemoryHub`` (embedded: one process, a
ring buffer per channel). Both keep the local listeners in ``Listeners``: an API
process subscribes only to channels that have a listener here, and workers publish
(and render) only to channels that have had a listener within the replay window
(``active``), so streams nobody listens to cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from roost.streaming.messages import StreamMessage

Deliver = Callable[[str, StreamMessage], None]


@dataclass(frozen=True)
class Outgoing:
    """An event to publish on one channel."""

    channel: str
    event: str
    payload: str
    accounts: tuple[int, ...] = ()


class StreamHub(Protocol):
    async def publish(self, items: Sequence[Outgoing]) -> None:
        """Publish events (each is kept for replay, then sent to live listeners)."""

    async def active(self, channels: Iterable[str]) -> set[str]:
        """The channels someone listens to (or did within the replay window)."""

    async def attach(self, channel: str, deliver: Deliver) -> None:
        """Call ``deliver(channel, message)`` for every live event of the channel from now on."""

    async def detach(self, channel: str, deliver: Deliver) -> None:
        """Stop a listener (the last one of a channel unsubscribes the process)."""

    async def replay(self, channel: str, after: tuple[int, int]) -> list[StreamMessage]:
        """Kept events of a channel with ids after ``after``, oldest first."""

    async def close(self) -> None:
        """Stop listening (app shutdown)."""


class Listeners:
    """The local listeners of one process, by channel."""

    def __init__(self) -> None:
        self.by_channel: dict[str, list[Deliver]] = {}

    def add(self, channel: str, deliver: Deliver) -> bool:
        """Add one; True when it is the channel's first."""
        found = self.by_channel.setdefault(channel, [])
        found.append(deliver)
        return len(found) == 1

    def remove(self, channel: str, deliver: Deliver) -> bool:
        """Remove one; True when the channel has none left."""
        found = self.by_channel.get(channel)
        if found is None:
            return False
        if deliver in found:
            found.remove(deliver)
        if not found:
            del self.by_channel[channel]
            return True
        return False

    def dispatch(self, channel: str, message: StreamMessage) -> None:
        for deliver in list(self.by_channel.get(channel, ())):
            deliver(channel, message)

    def count(self) -> int:
        return sum(len(found) for found in self.by_channel.values())


def id_key(event_id: str) -> tuple[int, int]:
    ms, _, seq = event_id.partition("-")
    return int(ms), int(seq or 0)

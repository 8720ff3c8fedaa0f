"""What travels on a stream: one event, its id, and the names of Mastodon's streams.

An event id is ``<milliseconds>-<sequence>`` (a Redis stream entry id when scaled
out; the same shape from the in-process ring buffer), increasing within one stream.
Clients get it as the SSE ``id:`` line and as ``"id"`` in WebSocket messages, and
hand it back as ``Last-Event-ID`` (or ``since_id``) to replay what they missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from roost.errors import Validation

PUBLIC_STREAMS = ("public", "public:local", "hashtag", "hashtag:local")
USER_STREAMS = ("user", "user:notification")
SCOPES = {"user": "read:statuses", "user:notification": "read:notifications"}


@dataclass(frozen=True)
class StreamMessage:
    """One event on one channel; ``accounts`` are the accounts it is about (filters)."""

    id: str
    event: str
    payload: str
    accounts: tuple[int, ...] = ()

    def encode(self) -> bytes:
        """Pub/sub wire form (the id is added by the publisher)."""
        return orjson.dumps({"e": self.event, "p": self.payload, "a": list(self.accounts)})

    @classmethod
    def decode(cls, event_id: str, raw: bytes | str) -> StreamMessage:
        data = orjson.loads(raw)
        return cls(id=event_id, event=data["e"], payload=data["p"], accounts=tuple(data["a"]))

    def sse(self) -> bytes:
        return f"id: {self.id}\nevent: {self.event}\ndata: {self.payload}\n\n".encode()

    def websocket(self, stream: list[str]) -> str:
        return orjson.dumps(
            {"stream": stream, "event": self.event, "payload": self.payload, "id": self.id}
        ).decode()


_EVENT_ID = re.compile(r"([0-9]+)(?:-([0-9]*))?")


def parse_event_id(value: str | None) -> tuple[int, int] | None:
    """``"1700000000000-3"`` -> (1700000000000, 3); a bare number means sequence 0."""
    if value is None or not value.strip():
        return None
    # Digits only: int() would also take "+5" or "1_0", which no event id looks like.
    found = _EVENT_ID.fullmatch(value.strip())
    if found is None:
        raise Validation("since_id / Last-Event-ID must look like 1700000000000-0")
    return int(found[1]), int(found[2] or 0)


@dataclass(frozen=True)
class Stream:
    """A Mastodon stream a client asked for, and the channel that carries it."""

    name: str  # user, user:notification, public, public:local, hashtag, hashtag:local
    channel: str  # user:{1}, user:{1}:notification, public, public:local, hashtag:cats
    tag: str | None = None

    def label(self) -> list[str]:
        """The ``stream`` array of WebSocket messages."""
        return [self.name, self.tag] if self.tag is not None else [self.name]


def user_channel(account_id: int) -> str:
    return f"user:{{{account_id}}}"


def notification_channel(account_id: int) -> str:
    return f"user:{{{account_id}}}:notification"


def hashtag_channel(tag: str) -> str:
    return f"hashtag:{tag.lower()}"


def resolve_stream(name: str, *, account_id: int | None, tag: str | None) -> Stream:
    """The channel of a stream name (``account_id`` for user streams, ``tag`` for hashtags).

    Every account is local, so ``hashtag:local`` is carried by the hashtag's channel.
    """
    if name == "user" and account_id is not None:
        return Stream(name, user_channel(account_id))
    if name == "user:notification" and account_id is not None:
        return Stream(name, notification_channel(account_id))
    if name in ("public", "public:local"):
        return Stream(name, name)
    if name in ("hashtag", "hashtag:local"):
        clean = (tag or "").lstrip("#").strip()
        if not clean:
            raise Validation("Missing tag name parameter")
        return Stream(name, hashtag_channel(clean), clean)
    if name in USER_STREAMS:
        raise Validation("This stream requires an authenticated user")
    raise Validation("Unknown stream type")

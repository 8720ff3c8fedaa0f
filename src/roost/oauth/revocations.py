"""Revoked access tokens reach every API process at once (scaled out), over Redis pub/sub.

Notes on design: each process caches tokens (``oauth.token_cache``) for minutes, so a
revocation committed in one process must be announced to the others. After the
commit, the revoking process publishes the token digests (or, for a deleted account,
its id) on ``Keys.token_revocations_channel``; every API process runs a
``RevocationListener`` that forgets them from its cache. Pub/sub does not store
messages, so whenever the listener (re)subscribes - first start, Redis restart, lost
connection - it clears the whole cache once the subscription is confirmed: anything
revoked meanwhile is then reloaded from the database, which already knows. Embedded
(no Redis) there is one process, and the in-process forget is all it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import orjson
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from roost.cache.keys import Keys
from roost.db import Database
from roost.oauth import token_cache
from roost.settings import Settings

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 5.0


async def announce(
    redis: Redis | None,
    keys: Keys,
    *,
    digests: Iterable[str] = (),
    account_ids: Iterable[int] = (),
) -> None:
    """Tell the other API processes to forget these tokens (call after the commit)."""
    message = {"digests": list(digests), "accounts": list(account_ids)}
    if redis is None or not (message["digests"] or message["accounts"]):
        return
    try:
        await redis.publish(keys.token_revocations_channel(), orjson.dumps(message))
    except RedisError:
        # Other processes notice when their entry expires (token_cache_seconds).
        log.warning("could not announce a token revocation; other processes expire it later")


def apply(db: Database, data: bytes) -> None:
    """Forget what one published message names."""
    message = orjson.loads(data)
    token_cache.forget_digests(db, message.get("digests", ()))
    accounts = message.get("accounts", ())
    if accounts:
        token_cache.forget_accounts(db, (int(account_id) for account_id in accounts))


class RevocationListener:
    """The subscriber task of one API process; ``start`` and ``stop`` with the app."""

    def __init__(self, *, settings: Settings, db: Database, keys: Keys) -> None:
        assert settings.redis_url
        self.settings = settings
        self.db = db
        self.channel = keys.token_revocations_channel()
        self.subscribed = asyncio.Event()  # set while subscribed (tests wait on it)
        self.subscriptions = 0  # how many times it (re)subscribed
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="token-revocations")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarted or unreachable: retry with backoff
                if self.subscribed.is_set():  # it was working: start the backoff afresh
                    delay = 0.1
                self.subscribed.clear()
                log.warning("token revocation channel lost (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)

    async def _listen(self) -> None:
        # Its own client without silent retries: a lost connection must surface here,
        # since a silent resubscribe would hide messages missed in between.
        client = Redis.from_url(
            self.settings.redis_url or "",
            decode_responses=False,
            socket_connect_timeout=5,
            health_check_interval=30,
            retry=Retry(NoBackoff(), 0),
            client_name=f"{self.channel}:listener",
        )
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(self.channel)
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        token_cache.clear(self.db)  # messages may have been missed before
                        self.subscriptions += 1
                        self.subscribed.set()
                    elif message["type"] == "message":
                        try:
                            apply(self.db, message["data"])
                        except (ValueError, TypeError):
                            log.warning("ignoring a malformed token revocation message")
        finally:
            await client.aclose()

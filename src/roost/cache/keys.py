"""Every Redis key Roost uses is built here (one place, as Mastodon's FeedManager#key).

Per-account keys carry the account id in a hash tag (``{123}``), so that all of
one account's keys live in the same Redis Cluster slot and multi-key operations
on them stay legal when Roost moves to a cluster.
"""

from __future__ import annotations


class Keys:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def home(self, account_id: int) -> str:
        """The materialized home timeline of an account."""
        return f"{self.prefix}:home:{{{account_id}}}"

    def account(self, account_id: int, name: str) -> str:
        """Any other per-account key, in the account's slot."""
        return f"{self.prefix}:{name}:{{{account_id}}}"

    def status(self, status_id: int) -> str:
        """Cached rendered data of one status."""
        return f"{self.prefix}:status:{status_id}"

    def events_stream(self) -> str:
        return f"{self.prefix}:events"

    def dead_letters_stream(self) -> str:
        return f"{self.prefix}:events:dead"

    def token_revocations_channel(self) -> str:
        """Pub/sub channel on which revoked access-token digests reach every API process."""
        return f"{self.prefix}:token-revocations"

    def stream_channel(self, name: str) -> str:
        """Pub/sub channel of one live stream (``user:{1}``, ``public``, ``hashtag:cats``)."""
        return f"{self.prefix}:stream:{name}"

    def stream_replay(self, name: str) -> str:
        """Capped Redis stream of one live stream's recent events (Last-Event-ID replay)."""
        return f"{self.prefix}:stream:{name}:replay"

    def stream_listened(self, name: str) -> str:
        """Marker: some API process had a listener on this stream within the replay window."""
        return f"{self.prefix}:stream:{name}:listened"

    def global_key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

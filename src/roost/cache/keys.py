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

    def global_key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

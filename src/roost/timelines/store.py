"""The home-timeline store port: what the fan-out workers and the read path need.

Two adapters implement it: ``redis_store.RedisTimelineStore`` (scaled out) and
``sqlite_store.SqlTimelineStore`` (embedded; plain SQL, so it runs on either database).

Semantics shared by both (the tests check both the same way):

- A timeline either exists or is *missing*. Missing means "unknown", never "empty":
  the read path rebuilds it from the database before answering. Deliveries to a
  missing timeline are dropped (the rebuild will include them), so a delivery can
  never make a one-entry timeline that looks complete.
- A timeline holds at most about ``cap`` status ids (trimmed to ``cap`` once it grows
  past ``cap + slack``) and a *floor*: it is complete for ids above the floor. The
  read path serves ids above the floor from the store and continues below it with
  the database query, so there is no cliff at the cap. Trimming raises the floor to
  the largest id trimmed; a rebuild that filled the cap sets it just under its oldest id.
- Delivery is idempotent (a redelivered id changes nothing) and applies Mastodon's
  reblog fall-off: a reblog whose original is among the newest ``falloff`` entries is
  not inserted.
- Entries are candidates, not answers: the read path filters them against the
  viewer's current relationships and drops ids whose status is gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

ID_BYTES = 8


def trim_slack(cap: int) -> int:
    """Entries a timeline may grow past the cap before it is trimmed back (amortizes
    the rewrite: one trim per ``cap // 10`` deliveries)."""
    return cap // 10


@dataclass(frozen=True)
class Window:
    """A materialized home timeline: ids newest first, complete above ``floor``."""

    ids: list[int]
    floor: int = 0


@dataclass(frozen=True)
class Delivery:
    """One status on its way into some home timelines."""

    status_id: int
    reblog_of_id: int | None = None


class TimelineStore(Protocol):
    async def read(self, account_id: int) -> Window | None:
        """The account's timeline, or None when it is missing (must be rebuilt)."""
        ...

    async def deliver(self, delivery: Delivery, account_ids: Sequence[int]) -> int:
        """Push one status into existing timelines (one round trip); how many took it."""
        ...

    async def remove(self, status_ids: Sequence[int], account_ids: Sequence[int]) -> None:
        """Remove ids from these timelines (one round trip)."""
        ...

    async def replace(self, account_id: int, window: Window, *, keep_after: int) -> None:
        """Write a rebuilt timeline, keeping stored ids above ``keep_after`` (delivered
        while the rebuild read the database)."""
        ...

    async def merge(self, account_id: int, status_ids: Iterable[int]) -> None:
        """Add ids (a backfill) to an existing timeline, above its floor, capped."""
        ...

    async def drop(self, account_ids: Sequence[int]) -> None:
        """Forget timelines: they are rebuilt from the database when next read."""
        ...


def trim(ids_ascending: list[int], floor: int, cap: int) -> tuple[list[int], int]:
    """Keep the newest ``cap`` ids; the floor rises to the largest id dropped."""
    if len(ids_ascending) <= cap:
        return ids_ascending, floor
    dropped = ids_ascending[: len(ids_ascending) - cap]
    return ids_ascending[len(ids_ascending) - cap :], max(floor, max(dropped))


def window_from_rebuild(ids_newest_first: list[int], cap: int) -> Window:
    """A rebuilt timeline: a full cap means older statuses exist in the database."""
    ids = ids_newest_first[:cap]
    floor = ids[-1] - 1 if len(ids) >= cap else 0
    return Window(ids=ids, floor=floor)

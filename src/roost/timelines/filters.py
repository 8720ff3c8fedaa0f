"""The home timeline's rules, applied in Python to cached statuses at read time.

Notes on design: the store holds *candidates* (what fan-out, backfill and rebuilds
put there); this filter decides, against the viewer's relationships as they are
now, exactly what ``queries.home_timeline_query`` decides in SQL (its docstring is
the specification; the property test checks the two agree). So a relationship change
is visible on the next read even before the worker has cleaned the timeline, and
mutes, blocks and reply rules need no work at fan-out time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from roost.timelines.feed_queries import (
    RELATION_BLOCKED_BY,
    RELATION_BLOCKS,
    RELATION_FOLLOWS,
    RELATION_MUTES,
)

OPEN = ("public", "unlisted")
LIMITED = ("private", "direct")


@dataclass(frozen=True)
class ViewerContext:
    """The viewer's relationships: followed ids (-> show_reblogs), muted, blocked, blockers,
    and the lower-cased names of the hashtags the viewer follows."""

    following: dict[int, bool] = field(default_factory=dict)
    muting: frozenset[int] = frozenset()
    blocking: frozenset[int] = frozenset()
    blocked_by: frozenset[int] = frozenset()
    followed_tags: frozenset[str] = frozenset()

    @classmethod
    def from_relations(
        cls, rows: list[tuple[str, int, bool]], followed_tags: list[str] | None = None
    ) -> ViewerContext:
        following: dict[int, bool] = {}
        sets: dict[str, set[int]] = {RELATION_MUTES: set(), RELATION_BLOCKS: set(),
                                     RELATION_BLOCKED_BY: set()}  # fmt: skip
        for kind, account_id, flag in rows:
            if kind == RELATION_FOLLOWS:
                following[account_id] = flag
            else:
                sets[kind].add(account_id)
        return cls(
            following=following,
            muting=frozenset(sets[RELATION_MUTES]),
            blocking=frozenset(sets[RELATION_BLOCKS]),
            blocked_by=frozenset(sets[RELATION_BLOCKED_BY]),
            followed_tags=frozenset(name.lower() for name in followed_tags or ()),
        )

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "f": [[k, v] for k, v in self.following.items()],
                "m": list(self.muting),
                "b": list(self.blocking),
                "B": list(self.blocked_by),
                "t": list(self.followed_tags),
            }
        )

    @classmethod
    def decode(cls, raw: bytes) -> ViewerContext:
        data = orjson.loads(raw)
        return cls(
            following={k: v for k, v in data["f"]},
            muting=frozenset(data["m"]),
            blocking=frozenset(data["b"]),
            blocked_by=frozenset(data["B"]),
            followed_tags=frozenset(data.get("t", ())),
        )


def belongs_in_home(status: dict[str, Any], viewer_id: int, ctx: ViewerContext) -> bool:
    """Does this rendered status (viewer-independent data) belong in the viewer's home?"""
    author = int(status["account"]["id"])
    original = status["reblog"]
    original_author = int(original["account"]["id"]) if original is not None else None
    blocked = ctx.blocking | ctx.blocked_by
    if original_author is not None and original_author in blocked:
        return False  # visible_to: a block with the reblogged status's author
    if author == viewer_id:
        return True
    mention_ids = {int(m["id"]) for m in status["mentions"]}
    visibility = status["visibility"]
    mentions_viewer = viewer_id in mention_ids
    # A public status carrying a followed hashtag (Mastodon's tag delivery: no reply rule).
    tagged = (
        original is None
        and visibility == "public"
        and bool(ctx.followed_tags)
        and any(tag["name"].lower() in ctx.followed_tags for tag in status["tags"])
    )
    # Which branch of the home query brings it: a follow, a limited mention, a tag.
    if author in ctx.following and not tagged:
        if original is not None and not ctx.following[author]:
            return False
    elif not (tagged or (visibility in LIMITED and mentions_viewer)):
        return False
    # visible_to: audience and blocks.
    if author in blocked:
        return False
    if visibility not in OPEN and not (
        (visibility == "private" and author in ctx.following)
        or (visibility in LIMITED and mentions_viewer)
    ):
        return False
    # Mastodon's home filters.
    if author in ctx.muting or original_author in ctx.muting:
        return False
    if original is not None:
        mention_ids |= {int(m["id"]) for m in original["mentions"]}
    if mention_ids & (ctx.muting | ctx.blocking):
        return False
    if status["in_reply_to_id"] is not None and not tagged:
        target = status["in_reply_to_account_id"]
        target_id = int(target) if target is not None else None
        if not (
            target_id in (viewer_id, author)
            or (target_id is not None and target_id in ctx.following)
            or mentions_viewer
        ):
            return False
    return True

"""The Mastodon Relationship entity: how the viewer and another account stand.

``graph_queries.relationship_edges`` reads every edge between the viewer and a
set of accounts in one round trip; ``build_relationships`` folds those edges into
one ``Relationship`` per account, and ``render_relationship`` writes Mastodon's
JSON shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, NamedTuple


class EdgeKind(StrEnum):
    """Which edge a row of ``relationship_edges`` stands for, seen from the viewer."""

    following = "following"  # viewer follows other (flags: show_reblogs, notify)
    followed_by = "followed_by"  # other follows viewer
    requested = "requested"  # viewer asked to follow other (flags: show_reblogs, notify)
    requested_by = "requested_by"  # other asked to follow viewer
    blocking = "blocking"  # viewer blocks other
    blocked_by = "blocked_by"  # other blocks viewer
    muting = "muting"  # viewer mutes other (first flag: hide_notifications)


class Edge(NamedTuple):
    kind: str
    other_id: int
    flag_a: bool
    flag_b: bool


@dataclass(frozen=True)
class Relationship:
    """The viewer's relationship with ``account_id``; every flag false when there is none."""

    account_id: int
    following: bool = False
    showing_reblogs: bool = False
    notifying: bool = False
    followed_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    requested: bool = False
    requested_by: bool = False


def build_relationships(
    account_ids: Iterable[int], edges: Iterable[Edge]
) -> dict[int, Relationship]:
    """One Relationship per account id, from the edges read for them."""
    result = {account_id: Relationship(account_id=account_id) for account_id in account_ids}
    for edge in edges:
        current = result.get(edge.other_id)
        if current is None:
            continue
        result[edge.other_id] = _apply(current, edge)
    return result


def _apply(rel: Relationship, edge: Edge) -> Relationship:
    kind = EdgeKind(edge.kind)
    a, b = bool(edge.flag_a), bool(edge.flag_b)
    if kind is EdgeKind.following:
        return replace(rel, following=True, showing_reblogs=a, notifying=b)
    if kind is EdgeKind.requested:
        # Mastodon shows a pending request's options until it is answered.
        if rel.following:
            return replace(rel, requested=True)
        return replace(rel, requested=True, showing_reblogs=a, notifying=b)
    if kind is EdgeKind.muting:
        return replace(rel, muting=True, muting_notifications=a)
    return replace(rel, **{kind.value: True})


def render_relationship(rel: Relationship) -> dict[str, Any]:
    """Mastodon's Relationship JSON."""
    return {
        "id": str(rel.account_id),
        "following": rel.following,
        "showing_reblogs": rel.showing_reblogs,
        "notifying": rel.notifying,
        "languages": None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": rel.muting,
        "muting_notifications": rel.muting_notifications,
        "requested": rel.requested,
        "requested_by": rel.requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }

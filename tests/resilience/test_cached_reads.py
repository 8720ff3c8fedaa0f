"""Level 3 visibility of a cached status: decided from cached data, or not at all."""

from __future__ import annotations

from typing import Any

from roost.timelines.cached_reads import visible
from roost.timelines.filters import ViewerContext

AUTHOR, VIEWER, OTHER = 1, 2, 3


def status(visibility: str, *, mentions: tuple[int, ...] = (), reblog_of: int | None = None) -> Any:
    original = (
        {"account": {"id": str(reblog_of)}, "mentions": []} if reblog_of is not None else None
    )
    return {
        "account": {"id": str(AUTHOR)},
        "visibility": visibility,
        "mentions": [{"id": str(m)} for m in mentions],
        "reblog": original,
    }


def test_anonymous_viewers_see_open_statuses_only() -> None:
    assert visible(status("public"), None, None) is True
    assert visible(status("unlisted"), None, None) is True
    assert visible(status("private"), None, None) is False
    assert visible(status("direct"), None, None) is False


def test_without_cached_relationships_nothing_is_decided_but_own_statuses() -> None:
    assert visible(status("public"), VIEWER, None) is None
    assert visible(status("private"), AUTHOR, None) is True


def test_relationships_decide_the_audience() -> None:
    follower = ViewerContext(following={AUTHOR: True})
    stranger = ViewerContext()
    assert visible(status("private"), VIEWER, follower) is True
    assert visible(status("private"), VIEWER, stranger) is False
    assert visible(status("direct"), VIEWER, follower) is False
    assert visible(status("direct", mentions=(VIEWER,)), VIEWER, stranger) is True
    assert visible(status("public"), VIEWER, stranger) is True


def test_blocks_either_way_hide_the_status_and_reblogs_of_blocked_authors() -> None:
    assert visible(status("public"), VIEWER, ViewerContext(blocked_by=frozenset({AUTHOR}))) is False
    assert visible(status("public"), VIEWER, ViewerContext(blocking=frozenset({AUTHOR}))) is False
    reblog = status("public", reblog_of=OTHER)
    assert visible(reblog, VIEWER, ViewerContext(blocking=frozenset({OTHER}))) is False

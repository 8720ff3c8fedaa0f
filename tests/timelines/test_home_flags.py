"""The viewer's favourited/reblogged flags on home pages: cached per viewer, yet always
what the status API itself says, right after each change and below the cached window."""

from __future__ import annotations

from typing import Any

import pytest

from roost.timelines import viewer_flags
from tests.conftest import Actor
from tests.timelines.helpers import HOME, post, reblog, relate, timeline


def _flags(statuses: list[dict[str, Any]], status_id: str) -> tuple[bool, bool]:
    for status in statuses:
        data = status["reblog"] or status
        if data["id"] == status_id:
            return data["favourited"], data["reblogged"]
    raise AssertionError(f"{status_id} not on the page")


async def test_home_flags_follow_each_favourite_and_reblog_at_once(
    alice: Actor, bob: Actor
) -> None:
    await relate(alice, bob, "follow")
    status = await post(bob, "flag me")
    assert _flags(await timeline(alice, HOME), status["id"]) == (False, False)  # now cached

    await alice.post(f"/api/v1/statuses/{status['id']}/favourite")
    assert _flags(await timeline(alice, HOME), status["id"]) == (True, False)

    await reblog(alice, status)
    assert _flags(await timeline(alice, HOME), status["id"]) == (True, True)

    await alice.post(f"/api/v1/statuses/{status['id']}/unfavourite")
    assert _flags(await timeline(alice, HOME), status["id"]) == (False, True)

    await alice.post(f"/api/v1/statuses/{status['id']}/unreblog")
    assert _flags(await timeline(alice, HOME), status["id"]) == (False, False)


async def test_home_flags_of_statuses_older_than_the_cached_window_are_still_right(
    alice: Actor, bob: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(viewer_flags, "FLAG_WINDOW", 2)
    await relate(alice, bob, "follow")
    statuses = [await post(bob, f"old and new {number}") for number in range(5)]
    for status in statuses:
        await alice.post(f"/api/v1/statuses/{status['id']}/favourite")
    await reblog(alice, statuses[0])

    page = await timeline(alice, HOME)

    for status in statuses:
        expected = (await alice.get(f"/api/v1/statuses/{status['id']}")).json()
        assert _flags(page, status["id"]) == (expected["favourited"], expected["reblogged"])
    assert _flags(page, statuses[0]["id"]) == (True, True)
    assert _flags(page, statuses[1]["id"]) == (True, False)

"""The hashtag timeline: public statuses carrying a tag, names compared without case."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actor
from tests.timelines.helpers import post, reblog, relate, timeline


async def tag_ids(client: Actor | httpx.AsyncClient, name: str, **params: Any) -> list[str]:
    statuses = await timeline(client, f"/api/v1/timelines/tag/{name}", **params)
    return [status["id"] for status in statuses]


async def test_tag_timeline_ignores_case(client: httpx.AsyncClient, alice: Actor) -> None:
    first = await post(alice, "I like #Python")
    second = await post(alice, "me too #PYTHON")
    await post(alice, "#rust instead")

    for spelling in ("python", "Python", "PYTHON", "pYtHoN"):
        assert await tag_ids(client, spelling) == [second["id"], first["id"]]


async def test_tag_timeline_has_only_public_statuses_and_no_reblogs(
    client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    public = await post(alice, "out loud #roost")
    await post(alice, "quietly #roost", visibility="unlisted")
    await post(alice, "to followers #roost", visibility="private")
    await post(alice, "@bob to you #roost", visibility="direct")
    await reblog(bob, public)

    assert await tag_ids(client, "roost") == [public["id"]]


async def test_tag_timeline_includes_replies(
    client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    start = await post(alice, "what do you think of #roost")
    answer = await post(bob, "@alice #roost is nice", in_reply_to_id=start["id"])

    assert await tag_ids(client, "roost") == [answer["id"], start["id"]]


async def test_unknown_tag_is_an_empty_page(client: httpx.AsyncClient, alice: Actor) -> None:
    await post(alice, "#known")

    response = await client.get("/api/v1/timelines/tag/unknown")

    assert response.status_code == 200
    assert response.json() == []
    assert "link" not in response.headers


async def test_any_all_and_none_refine_the_tag(client: httpx.AsyncClient, alice: Actor) -> None:
    cats = await post(alice, "#cats")
    dogs = await post(alice, "#dogs")
    both = await post(alice, "#cats and #dogs")
    birds = await post(alice, "#birds")

    assert await tag_ids(client, "cats") == [both["id"], cats["id"]]
    assert await tag_ids(client, "cats", **{"any[]": ["dogs", "birds"]}) == [
        birds["id"],
        both["id"],
        dogs["id"],
        cats["id"],
    ]
    assert await tag_ids(client, "cats", **{"all[]": ["DOGS"]}) == [both["id"]]
    assert await tag_ids(client, "cats", **{"none[]": ["dogs"]}) == [cats["id"]]
    assert await tag_ids(client, "cats", **{"all[]": ["nobody-uses-this"]}) == []
    assert await tag_ids(client, "cats", **{"none[]": ["nobody-uses-this"]}) == [
        both["id"],
        cats["id"],
    ]


async def test_tag_timeline_hides_blocked_and_muted_authors(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await post(bob, "#news from bob")
    from_carol = await post(carol, "#news from carol")

    await relate(alice, bob, "mute")

    assert await tag_ids(alice, "news") == [from_carol["id"]]
    await relate(carol, alice, "block")
    assert await tag_ids(alice, "news") == []

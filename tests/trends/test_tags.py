"""Hashtags as entities: GET /api/v1/tags/:name, follow/unfollow, followed_tags."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actor


async def test_a_tag_shows_with_the_viewers_following_flag(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    assert (await alice.post("/api/v1/statuses", json={"status": "#Birds"})).status_code == 200
    anonymous = (await client.get("/api/v1/tags/birds")).json()
    assert anonymous["name"] == "Birds"
    assert "following" not in anonymous
    assert (await alice.get("/api/v1/tags/birds")).json()["following"] is False


async def test_an_unused_valid_tag_answers_and_an_invalid_name_is_404(alice: Actor) -> None:
    unused = await alice.get("/api/v1/tags/neverused")
    assert unused.status_code == 200
    assert unused.json()["name"] == "neverused"
    assert [day["uses"] for day in unused.json()["history"]] == ["0"] * 7
    assert (await alice.get("/api/v1/tags/not-a-tag")).status_code == 404
    assert (await alice.get("/api/v1/tags/1234")).status_code == 404


async def test_follow_and_unfollow_a_hashtag(alice: Actor, bob: Actor) -> None:
    followed = await alice.post("/api/v1/tags/Roost/follow")
    assert followed.status_code == 200
    assert followed.json()["following"] is True
    assert followed.json()["name"] == "Roost"
    assert (await alice.post("/api/v1/tags/roost/follow")).status_code == 200  # twice: no change
    assert (await alice.get("/api/v1/tags/ROOST")).json()["following"] is True
    assert (await bob.get("/api/v1/tags/roost")).json()["following"] is False

    listed = (await alice.get("/api/v1/followed_tags")).json()
    assert [tag["name"] for tag in listed] == ["Roost"]
    assert listed[0]["following"] is True

    unfollowed = await alice.post("/api/v1/tags/roost/unfollow")
    assert unfollowed.status_code == 200
    assert unfollowed.json()["following"] is False
    assert (await alice.get("/api/v1/followed_tags")).json() == []
    assert (await alice.post("/api/v1/tags/unknowntag/unfollow")).status_code == 404


async def test_followed_tags_page_newest_first_with_link(alice: Actor) -> None:
    for name in ("one", "two", "three"):
        assert (await alice.post(f"/api/v1/tags/{name}/follow")).status_code == 200
    first = await alice.get("/api/v1/followed_tags", params={"limit": 2})
    assert [tag["name"] for tag in first.json()] == ["three", "two"]
    next_url = first.headers["link"].split(";")[0].strip("<>")
    second = await alice.get(next_url)
    assert [tag["name"] for tag in second.json()] == ["one"]


async def test_tag_follows_need_a_user_with_the_right_scopes(
    client: httpx.AsyncClient, make_actor: Any
) -> None:
    assert (await client.post("/api/v1/tags/x/follow")).status_code == 401
    reader = await make_actor("reader", scopes="read")
    assert (await reader.post("/api/v1/tags/roost/follow")).status_code == 403
    writer = await make_actor("writer", scopes="write:follows")
    assert (await writer.post("/api/v1/tags/roost/follow")).status_code == 200
    assert (await writer.get("/api/v1/followed_tags")).status_code == 403

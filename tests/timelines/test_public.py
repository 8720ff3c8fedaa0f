"""The public timeline: public statuses of the instance, readable without an account."""

from __future__ import annotations

from typing import Any

import httpx

from roost.settings import Settings
from tests.conftest import Actor
from tests.timelines.helpers import post, public_ids, reblog, relate


async def test_anonymous_visitor_reads_public_statuses_only(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    public = await post(alice, "hello world")
    unlisted = await post(alice, "hello, quietly", visibility="unlisted")
    private = await post(alice, "hello, followers", visibility="private")
    direct = await post(alice, "@bob hello, you", visibility="direct")

    response = await client.get("/api/v1/timelines/public")

    assert response.status_code == 200
    ids = [status["id"] for status in response.json()]
    assert ids == [public["id"]]
    for hidden in (unlisted, private, direct):
        assert hidden["id"] not in ids
    assert response.json()[0]["account"]["id"] == alice.id


async def test_public_timeline_has_no_reblogs(
    client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    original = await post(alice, "share me")
    wrapper = await reblog(bob, original)

    ids = await public_ids(client)

    assert ids == [original["id"]]
    assert wrapper["id"] not in ids


async def test_public_timeline_shows_threads_but_not_conversations(
    client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    start = await post(alice, "a thread, 1/2")
    continued = await post(alice, "a thread, 2/2", in_reply_to_id=start["id"])
    answer = await post(bob, "@alice nice thread", in_reply_to_id=start["id"])

    ids = await public_ids(client)

    assert ids == [continued["id"], start["id"]]
    assert answer["id"] not in ids


async def test_local_flag_changes_nothing_and_remote_or_media_are_empty(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    status = await post(alice, "local by definition")

    assert await public_ids(client, local="true") == [status["id"]]
    assert await public_ids(client, local="false") == [status["id"]]
    assert await public_ids(client, remote="true") == []
    assert await public_ids(client, only_media="1") == []
    assert await public_ids(client, remote="false", only_media="false") == [status["id"]]


async def test_public_timeline_hides_what_the_viewer_blocked_or_muted(
    alice: Actor, bob: Actor, carol: Actor, make_actor: Any
) -> None:
    dave = await make_actor("dave")
    from_bob = await post(bob, "bob speaks")
    from_carol = await post(carol, "carol speaks")
    from_dave = await post(dave, "dave speaks")

    await relate(alice, bob, "block")
    await relate(alice, carol, "mute")
    await relate(dave, alice, "block")

    assert await public_ids(alice) == []
    assert await public_ids(bob) == [from_dave["id"], from_carol["id"], from_bob["id"]]
    assert await public_ids(carol) == [from_dave["id"], from_carol["id"], from_bob["id"]]


async def test_token_without_read_scope_is_refused(
    client: httpx.AsyncClient, make_actor: Any
) -> None:
    writer = await make_actor("writer", scopes="write")

    assert (await writer.get("/api/v1/timelines/public")).status_code == 403
    assert (await writer.get("/api/v1/timelines/tag/roost")).status_code == 403


async def test_invalid_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/timelines/public", headers={"Authorization": "Bearer not-a-token"}
    )

    assert response.status_code == 401


async def test_instance_can_require_sign_in_for_public_timelines(
    client: httpx.AsyncClient, alice: Actor, settings: Settings
) -> None:
    status = await post(alice, "members only #club")
    settings.timeline_preview = False

    assert (await client.get("/api/v1/timelines/public")).status_code == 401
    assert (await client.get("/api/v1/timelines/tag/club")).status_code == 401
    assert await public_ids(alice) == [status["id"]]

"""Server-Sent Events streams on both deployments: audiences, filters, replay, heartbeats."""

from __future__ import annotations

from typing import Any

import httpx

from tests.streaming.support import post_status, sse


async def test_health_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/streaming/health")
    assert response.status_code == 200
    assert response.text == "OK"


async def test_follower_receives_update_then_delete_on_user_stream(
    server_url: str, alice: Any, bob: Any, drain: Any
) -> None:
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    async with sse(server_url, "/api/v1/streaming/user", token=bob.token) as stream:
        status_id = await post_status(alice, "hello followers")
        await drain()
        update = await stream.next()
        assert update.event == "update"
        assert update.json()["id"] == status_id
        assert update.json()["account"]["id"] == alice.id
        assert update.id is not None

        assert (await alice.delete(f"/api/v1/statuses/{status_id}")).status_code == 200
        await drain()
        deletion = await stream.next()
        assert (deletion.event, deletion.data) == ("delete", status_id)


async def test_private_status_reaches_followers_only_and_direct_the_mentioned_only(
    server_url: str, alice: Any, bob: Any, carol: Any, drain: Any
) -> None:
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    async with (
        sse(server_url, "/api/v1/streaming/user", token=bob.token) as bobs,
        sse(server_url, "/api/v1/streaming/user", token=carol.token) as carols,
        sse(server_url, "/api/v1/streaming/public") as public,
    ):
        private_id = await post_status(alice, "followers only", visibility="private")
        direct_id = await post_status(alice, "@carol just you", visibility="direct")
        await drain()
        marker = await post_status(carol, "public marker")  # carol's own, reaches her too
        await drain()

        bob_seen = [e.json()["id"] for e in await bobs.updates_until(private_id)]
        assert bob_seen == [private_id]
        carol_seen = [e.json()["id"] for e in await carols.updates_until(marker)]
        assert carol_seen == [direct_id, marker]
        public_seen = [e.json()["id"] for e in await public.updates_until(marker)]
        assert public_seen == [marker]


async def test_blocked_and_muted_authors_are_filtered_at_delivery(
    server_url: str, alice: Any, bob: Any, carol: Any, drain: Any
) -> None:
    async with sse(server_url, "/api/v1/streaming/public", token=carol.token) as public:
        assert (await carol.post(f"/api/v1/accounts/{alice.id}/block")).status_code == 200
        blocked = await post_status(alice, "carol blocked me")
        await drain()
        first = await post_status(bob, "visible to carol")
        await drain()
        seen = [e.json()["id"] for e in await public.updates_until(first)]
        assert blocked not in seen

        assert (await carol.post(f"/api/v1/accounts/{bob.id}/mute")).status_code == 200
        await post_status(bob, "carol muted me")
        await drain()
        await carol.post(f"/api/v1/accounts/{alice.id}/unblock")
        last = await post_status(alice, "unblocked again")
        await drain()
        assert [e.json()["id"] for e in await public.updates_until(last)] == [last]


async def test_public_reply_to_someone_else_is_not_on_public_stream_but_hashtag_is(
    server_url: str, alice: Any, bob: Any, drain: Any
) -> None:
    async with (
        sse(server_url, "/api/v1/streaming/public/local") as local,
        sse(server_url, "/api/v1/streaming/hashtag?tag=Roost") as tagged,
    ):
        root = await post_status(alice, "a root")
        await post_status(bob, "@alice a reply", in_reply_to_id=root)
        with_tag = await post_status(bob, "about #roost")
        await drain()
        assert [e.json()["id"] for e in await local.updates_until(with_tag)] == [root, with_tag]
        assert [e.json()["id"] for e in await tagged.updates_until(with_tag)] == [with_tag]


async def test_notification_event_reaches_user_and_notification_streams(
    server_url: str, alice: Any, bob: Any, drain: Any
) -> None:
    async with (
        sse(server_url, "/api/v1/streaming/user/notification", token=alice.token) as notes,
        sse(server_url, "/api/v1/streaming/user", token=alice.token) as user,
    ):
        assert (await bob.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
        await drain()
        for stream in (notes, user):
            event = await stream.next()
            assert event.event == "notification"
            assert event.json()["type"] == "follow"
            assert event.json()["account"]["id"] == bob.id


async def test_reconnect_with_last_event_id_replays_missed_events(
    server_url: str, alice: Any, bob: Any, drain: Any
) -> None:
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")
    await drain()
    async with sse(server_url, "/api/v1/streaming/user", token=bob.token) as stream:
        first = await post_status(alice, "seen live")
        await drain()
        seen = await stream.next()
        assert seen.json()["id"] == first
    missed = [await post_status(alice, f"missed {n}") for n in range(3)]
    await drain()
    headers = {"Last-Event-ID": str(seen.id)}
    async with sse(server_url, "/api/v1/streaming/user", token=bob.token, headers=headers) as again:
        live = await post_status(alice, "live after reconnect")
        await drain()
        assert [e.json()["id"] for e in await again.updates_until(live)] == [*missed, live]
    url = f"/api/v1/streaming/user?since_id={seen.id}"
    async with sse(server_url, url, token=bob.token) as by_query:
        assert [e.json()["id"] for e in await by_query.updates_until(live)] == [*missed, live]


async def test_heartbeat_comment_is_sent_when_idle(server_url: str) -> None:
    async with sse(server_url, "/api/v1/streaming/public") as stream:
        comments = [(await stream.next(events=False)).data for _ in range(2)]
        assert ":thump" in comments


async def test_user_streams_need_a_token_and_the_right_scope(
    client: httpx.AsyncClient, make_actor: Any
) -> None:
    assert (await client.get("/api/v1/streaming/user")).status_code == 401
    bad = await client.get("/api/v1/streaming/user", params={"access_token": "nope"})
    assert bad.status_code == 401
    writer = await make_actor("writer", scopes="write")
    response = await client.get(
        "/api/v1/streaming/user/notification", params={"access_token": writer.token}
    )
    assert response.status_code == 403
    assert (await client.get("/api/v1/streaming/hashtag")).status_code == 422

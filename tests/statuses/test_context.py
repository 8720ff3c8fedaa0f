"""GET /api/v1/statuses/:id/context: ancestors oldest first, descendants in thread order."""

from __future__ import annotations

import httpx

from tests.conftest import Actor
from tests.statuses.support import post, relate


def _ids(statuses: list[dict[str, object]]) -> list[object]:
    return [status["id"] for status in statuses]


async def test_context_orders_a_branching_thread(
    alice: Actor, bob: Actor, carol: Actor, client: httpx.AsyncClient
) -> None:
    root = await post(alice, "root")
    a = await post(bob, "a", in_reply_to_id=root["id"])
    b = await post(carol, "b", in_reply_to_id=root["id"])
    a1 = await post(alice, "a1", in_reply_to_id=a["id"])
    b1 = await post(bob, "b1", in_reply_to_id=b["id"])
    a2 = await post(carol, "a2", in_reply_to_id=a["id"])
    a1x = await post(bob, "a1x", in_reply_to_id=a1["id"])

    at_root = (await client.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert at_root["ancestors"] == []
    # depth first, each branch oldest first: root > a > a1 > a1x, a2; root > b > b1
    assert _ids(at_root["descendants"]) == [
        a["id"],
        a1["id"],
        a1x["id"],
        a2["id"],
        b["id"],
        b1["id"],
    ]

    at_leaf = (await client.get(f"/api/v1/statuses/{a1x['id']}/context")).json()
    assert _ids(at_leaf["ancestors"]) == [root["id"], a["id"], a1["id"]]
    assert at_leaf["descendants"] == []

    middle = (await client.get(f"/api/v1/statuses/{a['id']}/context")).json()
    assert _ids(middle["ancestors"]) == [root["id"]]
    assert _ids(middle["descendants"]) == [a1["id"], a1x["id"], a2["id"]]


async def test_context_hides_what_the_viewer_may_not_see(
    alice: Actor, bob: Actor, carol: Actor, client: httpx.AsyncClient
) -> None:
    root = await post(alice, "root")
    hidden = await post(
        bob, "@alice followers only", visibility="private", in_reply_to_id=root["id"]
    )
    below_hidden = await post(alice, "public again", in_reply_to_id=hidden["id"])
    await relate(carol, bob, "follow")

    anonymous = (await client.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert _ids(anonymous["descendants"]) == [below_hidden["id"]]
    follower = (await carol.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert _ids(follower["descendants"]) == [hidden["id"], below_hidden["id"]]
    upwards = (await client.get(f"/api/v1/statuses/{below_hidden['id']}/context")).json()
    assert _ids(upwards["ancestors"]) == [root["id"]]


async def test_blocked_replier_is_left_out_of_the_context(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    root = await post(alice, "root")
    await post(bob, "reply from bob", in_reply_to_id=root["id"])
    carols = await post(carol, "reply from carol", in_reply_to_id=root["id"])
    await relate(alice, bob, "block")
    context = (await alice.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert _ids(context["descendants"]) == [carols["id"]]


async def test_context_of_an_unknown_or_invisible_status_is_404(
    alice: Actor, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/api/v1/statuses/123/context")).status_code == 404
    private = await post(alice, "hidden", visibility="private")
    assert (await client.get(f"/api/v1/statuses/{private['id']}/context")).status_code == 404

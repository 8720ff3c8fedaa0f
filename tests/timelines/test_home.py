"""The home timeline: what the viewer and the accounts they follow post, and nothing else."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import event

from roost.db import Database
from tests.conftest import Actor
from tests.timelines.helpers import HOME, home_ids, post, reblog, relate, settle, timeline


async def test_home_shows_own_and_followed_statuses_newest_first(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    own = await post(alice, "alice writes")
    followed = await post(bob, "bob writes")
    stranger = await post(carol, "carol writes")

    statuses = await timeline(alice, "/api/v1/timelines/home")

    assert [status["id"] for status in statuses] == [followed["id"], own["id"]]
    assert stranger["id"] not in [status["id"] for status in statuses]
    assert statuses[0]["account"]["id"] == bob.id
    assert statuses[0]["content"] == followed["content"]


async def test_unfollowed_account_leaves_home(alice: Actor, bob: Actor) -> None:
    await relate(alice, bob, "follow")
    status = await post(bob, "still here?")
    assert status["id"] in await home_ids(alice)

    await relate(alice, bob, "unfollow")

    assert status["id"] not in await home_ids(alice)


async def test_reblogs_by_followed_accounts_reach_home_with_original_nested(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    original = await post(carol, "worth sharing")
    wrapper = await reblog(bob, original)
    own_original = await post(alice, "my own")
    own_reblog = await reblog(alice, original)

    statuses = await timeline(alice, "/api/v1/timelines/home")

    assert [status["id"] for status in statuses] == [
        own_reblog["id"],
        own_original["id"],
        wrapper["id"],
    ]
    bobs = statuses[2]
    assert bobs["account"]["id"] == bob.id
    assert bobs["reblog"]["id"] == original["id"]
    assert bobs["reblog"]["account"]["id"] == carol.id
    assert original["id"] not in [status["id"] for status in statuses]


async def test_follow_without_reblogs_hides_only_their_reblogs(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow", reblogs=False)
    original = await post(carol, "shared by bob")
    wrapper = await reblog(bob, original)
    own = await post(bob, "bob's own words")

    ids = await home_ids(alice)

    assert own["id"] in ids
    assert wrapper["id"] not in ids


async def test_muted_account_is_hidden_from_home_even_when_followed_or_reblogged(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    await relate(alice, carol, "follow")
    from_bob = await post(bob, "from bob")
    from_carol = await post(carol, "from carol")
    carol_reblogs_bob = await reblog(carol, from_bob)

    await relate(alice, bob, "mute")

    ids = await home_ids(alice)
    assert from_carol["id"] in ids
    assert from_bob["id"] not in ids
    assert carol_reblogs_bob["id"] not in ids


async def test_reblog_by_muted_account_is_hidden(alice: Actor, bob: Actor, carol: Actor) -> None:
    await relate(alice, bob, "follow")
    await relate(alice, carol, "follow")
    from_carol = await post(carol, "from carol")
    bob_reblogs_carol = await reblog(bob, from_carol)

    await relate(alice, bob, "mute")

    ids = await home_ids(alice)
    assert ids == [from_carol["id"]]
    assert bob_reblogs_carol["id"] not in ids


async def test_status_mentioning_a_muted_or_blocked_account_is_hidden(
    alice: Actor, bob: Actor, carol: Actor, make_actor: Any
) -> None:
    dave = await make_actor("dave")
    await relate(alice, bob, "follow")
    about_carol = await post(bob, "talking with @carol")
    about_dave = await post(bob, "talking with @dave")
    about_nobody = await post(bob, "talking to myself")

    await relate(alice, carol, "mute")
    await relate(alice, dave, "block")

    assert await home_ids(alice) == [about_nobody["id"]]
    assert about_carol["id"] not in await home_ids(alice)
    assert about_dave["id"] not in await home_ids(alice)


async def test_blocked_accounts_are_hidden_from_home_either_way(
    alice: Actor, bob: Actor, carol: Actor, make_actor: Any
) -> None:
    dave = await make_actor("dave")
    for target in (bob, carol, dave):
        await relate(alice, target, "follow")
    from_bob = await post(bob, "bob, soon blocked")
    from_carol = await post(carol, "carol, soon blocking")
    from_dave = await post(dave, "dave stays")
    dave_reblogs_bob = await reblog(dave, from_bob)

    await relate(alice, bob, "block")
    await relate(carol, alice, "block")

    ids = await home_ids(alice)
    assert ids == [from_dave["id"]]
    assert from_carol["id"] not in ids
    assert dave_reblogs_bob["id"] not in ids


async def test_private_statuses_reach_followers_only(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    from_bob = await post(bob, "for my followers", visibility="private")
    from_carol = await post(carol, "for my followers too", visibility="private")

    ids = await home_ids(alice)

    assert from_bob["id"] in ids
    assert from_carol["id"] not in ids


async def test_direct_status_reaches_only_the_mentioned_account(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    await relate(carol, bob, "follow")
    to_alice = await post(bob, "@alice just between us", visibility="direct")
    stranger_to_alice = await post(carol, "@alice hello from afar", visibility="direct")

    alice_home = await home_ids(alice)
    carol_home = await home_ids(carol)
    bob_home = await home_ids(bob)

    assert to_alice["id"] in alice_home
    assert stranger_to_alice["id"] in alice_home  # a stranger's direct mention reaches her
    assert to_alice["id"] not in carol_home  # carol follows bob, but is not mentioned
    assert to_alice["id"] in bob_home  # the author sees his own


async def test_private_mention_from_stranger_reaches_home(alice: Actor, carol: Actor) -> None:
    mention = await post(carol, "@alice a word in private", visibility="private")
    plain = await post(carol, "nothing for alice", visibility="private")

    ids = await home_ids(alice)

    assert mention["id"] in ids
    assert plain["id"] not in ids


async def test_unlisted_status_reaches_followers_home(alice: Actor, bob: Actor) -> None:
    await relate(alice, bob, "follow")
    unlisted = await post(bob, "quietly", visibility="unlisted")

    assert unlisted["id"] in await home_ids(alice)


async def test_reply_to_someone_the_viewer_does_not_follow_stays_off_home(
    alice: Actor, bob: Actor, carol: Actor
) -> None:
    await relate(alice, bob, "follow")
    carols = await post(carol, "a thought")
    alices = await post(alice, "my thought")
    bob_to_carol = await post(bob, "@carol agreed", in_reply_to_id=carols["id"])
    bob_to_alice = await post(bob, "@alice agreed", in_reply_to_id=alices["id"])
    bobs = await post(bob, "thread start")
    bob_to_bob = await post(bob, "thread goes on", in_reply_to_id=bobs["id"])

    ids = await home_ids(alice)
    assert bob_to_carol["id"] not in ids
    assert bob_to_alice["id"] in ids
    assert bob_to_bob["id"] in ids

    await relate(alice, carol, "follow")
    assert bob_to_carol["id"] in await home_ids(alice)


async def test_home_requires_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/timelines/home")

    assert response.status_code == 401
    assert "error" in response.json()


async def test_home_requires_read_scope(make_actor: Any) -> None:
    writer = await make_actor("writer", scopes="write follow")

    response = await writer.get("/api/v1/timelines/home")

    assert response.status_code == 403
    assert "error" in response.json()


async def test_home_accepts_the_narrow_read_statuses_scope(make_actor: Any) -> None:
    reader = await make_actor("reader", scopes="read:statuses")

    response = await reader.get("/api/v1/timelines/home")

    assert response.status_code == 200
    assert response.json() == []


async def test_home_page_costs_the_same_queries_whatever_its_length(
    alice: Actor, bob: Actor, carol: Actor, db: Database
) -> None:
    await relate(alice, bob, "follow")
    original = await post(carol, "shared")
    await reblog(bob, original)
    await post(bob, "@alice @carol hello #counted")

    short = await _count_queries(db, alice, limit=2)
    for number in range(12):
        status = await post(bob, f"@carol more #counted {number}")
        await reblog(alice, status)
    long = await _count_queries(db, alice, limit=20)

    assert long == short


async def _count_queries(db: Database, reader: Actor, *, limit: int) -> int:
    """SELECTs of one home read, once the workers are done and the caches are warm."""
    await settle()
    await timeline(reader, HOME, limit=limit)  # warm: rebuilds, caches
    executed: list[str] = []

    def count(*args: Any) -> None:
        executed.append(args[2])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        response = await reader.get(HOME, params={"limit": limit})
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(response.json()) == limit
    return len([sql for sql in executed if sql.lstrip().upper().startswith("SELECT")])

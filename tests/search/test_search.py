"""GET /api/v2/search: full-text statuses (only what the searcher may see), accounts and
hashtags by prefix, Mastodon's parameters and errors, on both deployments."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Actor


async def post(actor: Actor, text: str, **extra: Any) -> dict[str, Any]:
    response = await actor.post("/api/v1/statuses", json={"status": text, **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def search(who: Actor | httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await who.get("/api/v2/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


async def test_search_finds_statuses_by_words_once_the_index_worker_ran(
    alice: Actor, bob: Actor, drain: Any
) -> None:
    found = await post(alice, "Sourdough starter needs feeding twice a day")
    await post(alice, "Nothing about bread here")
    assert (await search(bob, "sourdough", type="statuses"))["statuses"] == []  # not indexed yet

    await drain()

    result = await search(bob, "SOURDOUGH feeding", type="statuses")
    assert ids(result["statuses"]) == [found["id"]]
    assert result["statuses"][0]["account"]["username"] == "alice"
    assert (await search(bob, "sourdough pizza", type="statuses"))["statuses"] == []


async def test_statuses_rank_by_relevance(alice: Actor, bob: Actor, drain: Any) -> None:
    weak = await post(alice, "kayak trip planning for summer with lots of other words around")
    strong = await post(alice, "kayak kayak kayak: kayak")
    await post(alice, "nothing relevant")
    await drain()

    result = await search(bob, "kayak", type="statuses")
    assert ids(result["statuses"]) == [strong["id"], weak["id"]]


async def test_search_never_returns_private_statuses_of_accounts_not_followed(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    public = await post(alice, "zebra public")
    private = await post(alice, "zebra followers only", visibility="private")
    direct = await post(alice, "@carol zebra secret", visibility="direct")
    await drain()

    # bob follows nobody and is not mentioned: only the public status.
    assert ids((await search(bob, "zebra", type="statuses"))["statuses"]) == [public["id"]]
    # carol is mentioned in the direct one, does not follow alice.
    assert set(ids((await search(carol, "zebra", type="statuses"))["statuses"])) == {
        public["id"],
        direct["id"],
    }
    # once bob follows alice he sees the private status, never the direct one.
    assert (await bob.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
    assert set(ids((await search(bob, "zebra", type="statuses"))["statuses"])) == {
        public["id"],
        private["id"],
    }
    # the author sees all three.
    assert len((await search(alice, "zebra", type="statuses"))["statuses"]) == 3


async def test_blocked_and_muted_authors_are_left_out_of_status_search(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    by_alice = await post(alice, "marmalade recipe")
    by_carol = await post(carol, "marmalade is great")
    await drain()
    assert (await bob.post(f"/api/v1/accounts/{alice.id}/block")).status_code == 200
    assert ids((await search(bob, "marmalade", type="statuses"))["statuses"]) == [by_carol["id"]]
    # a muted author's statuses are left out too
    assert (await bob.post(f"/api/v1/accounts/{carol.id}/mute")).status_code == 200
    assert (await search(bob, "marmalade", type="statuses"))["statuses"] == []
    # alice (blocked by bob) still finds her own status and carol's
    assert set(ids((await search(alice, "marmalade", type="statuses"))["statuses"])) == {
        by_alice["id"],
        by_carol["id"],
    }


async def test_anonymous_search_returns_no_statuses_and_refuses_offset(
    client: httpx.AsyncClient, alice: Actor, drain: Any
) -> None:
    await post(alice, "octopus facts")
    await drain()
    result = await search(client, "octopus")
    assert result["statuses"] == []
    response = await client.get("/api/v2/search", params={"q": "octopus", "offset": 1})
    assert response.status_code == 401
    response = await client.get("/api/v2/search", params={"q": "octopus", "resolve": "true"})
    assert response.status_code == 401


async def test_deleted_statuses_leave_the_index(alice: Actor, bob: Actor, drain: Any) -> None:
    gone = await post(alice, "ephemeral walrus")
    kept = await post(alice, "lasting walrus")
    await drain()
    assert (await alice.delete(f"/api/v1/statuses/{gone['id']}")).status_code == 200
    assert ids((await search(bob, "walrus", type="statuses"))["statuses"]) == [kept["id"]]
    await drain()
    await drain()  # a redelivered removal is harmless
    assert ids((await search(bob, "walrus", type="statuses"))["statuses"]) == [kept["id"]]


async def test_reindexing_twice_keeps_one_entry(
    alice: Actor, bob: Actor, drain: Any, db: Any
) -> None:
    from roost.search.service import index_status, reindex

    status = await post(alice, "heron sighting")
    await drain()
    await index_status(db=db, status_id=int(status["id"]))  # a redelivery
    assert ids((await search(bob, "heron", type="statuses"))["statuses"]) == [status["id"]]
    assert await reindex(db=db) == 1
    assert ids((await search(bob, "heron", type="statuses"))["statuses"]) == [status["id"]]


async def test_account_id_filter_and_offset_limit(
    alice: Actor, bob: Actor, carol: Actor, drain: Any
) -> None:
    mine = [await post(alice, f"llama number {n}") for n in range(3)]
    theirs = await post(carol, "llama too")
    await drain()

    only_alice = await search(bob, "llama", type="statuses", account_id=alice.id)
    assert set(ids(only_alice["statuses"])) == {status["id"] for status in mine}
    only_carol = await search(bob, "llama", type="statuses", account_id=carol.id)
    assert ids(only_carol["statuses"]) == [theirs["id"]]

    everything = ids((await search(bob, "llama", type="statuses"))["statuses"])
    assert len(everything) == 4
    first = ids((await search(bob, "llama", type="statuses", limit=2))["statuses"])
    second = ids((await search(bob, "llama", type="statuses", limit=2, offset=2))["statuses"])
    assert first + second == everything
    # without a type, offset is ignored (as in Mastodon)
    untyped = ids((await search(bob, "llama", limit=2, offset=2))["statuses"])
    assert untyped == first


async def test_accounts_match_by_username_and_display_name_prefix(
    alice: Actor, bob: Actor, make_actor: Any
) -> None:
    alison = await make_actor("alison")
    await make_actor("zed")
    response = await alison.patch(
        "/api/v1/accounts/update_credentials", json={"display_name": "Mary Quant"}
    )
    assert response.status_code == 200, response.text

    result = await search(bob, "ali", type="accounts")
    assert {account["username"] for account in result["accounts"]} == {"alice", "alison"}
    exact = await search(bob, "alice", type="accounts")
    assert [account["username"] for account in exact["accounts"]] == ["alice"]
    assert ids((await search(bob, "@alice@localhost:8000"))["accounts"]) == [alice.id]
    assert (await search(bob, "alice@elsewhere.example", type="accounts"))["accounts"] == []
    # a word of the display name
    assert ids((await search(bob, "quant", type="accounts"))["accounts"]) == [alison.id]
    assert ids((await search(bob, "mary", type="accounts"))["accounts"]) == [alison.id]


async def test_following_limits_accounts_to_those_followed(
    alice: Actor, bob: Actor, make_actor: Any
) -> None:
    alison = await make_actor("alison")
    assert (await bob.post(f"/api/v1/accounts/{alison.id}/follow")).status_code == 200

    everyone = await search(bob, "ali", type="accounts")
    assert ids(everyone["accounts"])[0] == alison.id  # followed accounts rank first
    followed = await search(bob, "ali", type="accounts", following="true")
    assert ids(followed["accounts"]) == [alison.id]


async def test_accounts_that_block_the_searcher_are_not_found(alice: Actor, bob: Actor) -> None:
    assert (await alice.post(f"/api/v1/accounts/{bob.id}/block")).status_code == 200
    assert (await search(bob, "alice", type="accounts"))["accounts"] == []


async def test_hashtags_match_by_prefix_exact_first(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    await post(alice, "#catsofroost #cat #catalog #dog")
    result = await search(client, "#cat", type="hashtags")
    assert [tag["name"] for tag in result["hashtags"]] == ["cat", "catalog", "catsofroost"]
    tag = result["hashtags"][0]
    assert tag["url"].endswith("/tags/cat")
    assert len(tag["history"]) == 7
    assert (await search(client, "dog"))["hashtags"][0]["name"] == "dog"
    # a lone "#tag" is no account or status query
    assert (await search(alice, "#cat"))["accounts"] == []


async def test_search_parameters_are_checked(client: httpx.AsyncClient, alice: Actor) -> None:
    assert (await client.get("/api/v2/search")).status_code == 400
    assert (await alice.get("/api/v2/search", params={"q": "x", "limit": -1})).status_code == 400
    assert (await alice.get("/api/v2/search", params={"q": "x", "offset": "a"})).status_code == 422
    limited = await search(alice, "a", limit=0)
    assert limited == {"accounts": [], "statuses": [], "hashtags": []}


async def test_search_needs_read_search_scope(make_actor: Any) -> None:
    writer = await make_actor("writer", scopes="write")
    response = await writer.get("/api/v2/search", params={"q": "x"})
    assert response.status_code == 403
    reader = await make_actor("reader", scopes="read:search")
    assert (await reader.get("/api/v2/search", params={"q": "x"})).status_code == 200


async def test_many_results_are_capped_at_forty(alice: Actor, bob: Actor, drain: Any) -> None:
    for n in range(45):
        await post(alice, f"pebble {n}")
    await drain()
    result = await search(bob, "pebble", type="statuses", limit=100)
    assert len(result["statuses"]) == 40
    assert len((await search(bob, "pebble", type="statuses"))["statuses"]) == 20

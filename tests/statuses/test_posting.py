"""POST /api/v1/statuses: validation, mentions, tags, counters and Idempotency-Key."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from roost.db import Database
from roost.statuses.schema import idempotency_keys, mentions, status_tags, statuses
from tests.conftest import Actor
from tests.statuses.support import post, status_counters, statuses_count


async def _count(db: Database, table: Any) -> int:
    async with db.read() as conn:
        value: int = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
    return value


async def test_posting_returns_a_mastodon_status(alice: Actor, db: Database) -> None:
    status = await post(alice, "Hello, world", language="en")
    assert status["content"] == "<p>Hello, world</p>"
    assert status["visibility"] == "public"
    assert status["language"] == "en"
    assert status["account"]["id"] == alice.id
    assert status["application"] == {"name": "Roost tests", "website": None}
    assert status["reblog"] is None and status["favourited"] is False
    assert status["url"].endswith(f"/@alice/{status['id']}")
    assert "text" not in status
    assert await statuses_count(db, alice) == 1
    assert status["account"]["statuses_count"] == 1
    assert status["account"]["last_status_at"] is not None


async def test_form_encoded_post_with_spoiler_marks_it_sensitive(alice: Actor) -> None:
    response = await alice.post(
        "/api/v1/statuses",
        data={"status": "behind a warning", "spoiler_text": "cw", "visibility": "unlisted"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["spoiler_text"] == "cw"
    assert body["sensitive"] is True
    assert body["visibility"] == "unlisted"


async def test_empty_and_blank_text_are_rejected(alice: Actor, db: Database) -> None:
    for payload in ({"status": ""}, {"status": "   \n "}, {}):
        response = await alice.post("/api/v1/statuses", json=payload)
        assert response.status_code == 422
        assert "error" in response.json()
    assert await _count(db, statuses) == 0


async def test_text_over_the_limit_is_rejected_but_the_limit_itself_is_fine(
    alice: Actor, db: Database
) -> None:
    too_long = await alice.post("/api/v1/statuses", json={"status": "x" * 501})
    assert too_long.status_code == 422
    assert "500" in too_long.json()["error"]
    await post(alice, "x" * 500)
    spoiler_counts = await alice.post(
        "/api/v1/statuses", json={"status": "x" * 490, "spoiler_text": "y" * 11}
    )
    assert spoiler_counts.status_code == 422
    assert await _count(db, statuses) == 1


async def test_unknown_visibility_and_media_ids_are_rejected(alice: Actor, db: Database) -> None:
    bad_visibility = await alice.post(
        "/api/v1/statuses", json={"status": "hi", "visibility": "secret"}
    )
    assert bad_visibility.status_code == 422
    unknown_media = await alice.post(
        "/api/v1/statuses", json={"status": "hi", "media_ids": ["12345"]}
    )
    assert unknown_media.status_code == 422
    assert await _count(db, statuses) == 0
    empty_media = await alice.post("/api/v1/statuses", json={"status": "hi", "media_ids": []})
    assert empty_media.status_code == 200


async def test_unknown_reply_target_is_a_422(alice: Actor, db: Database) -> None:
    for target in ("999999", "not-an-id"):
        response = await alice.post(
            "/api/v1/statuses", json={"status": "reply", "in_reply_to_id": target}
        )
        assert response.status_code == 422, response.text
    assert await _count(db, statuses) == 0
    assert await statuses_count(db, alice) == 0


async def test_invisible_reply_target_is_treated_as_unknown(alice: Actor, bob: Actor) -> None:
    secret = await post(alice, "followers only", visibility="private")
    response = await bob.post(
        "/api/v1/statuses", json={"status": "peek", "in_reply_to_id": secret["id"]}
    )
    assert response.status_code == 422


async def test_reply_links_to_parent_and_counts(alice: Actor, bob: Actor, db: Database) -> None:
    parent = await post(alice, "parent")
    reply = await post(bob, "reply", in_reply_to_id=parent["id"])
    assert reply["in_reply_to_id"] == parent["id"]
    assert reply["in_reply_to_account_id"] == alice.id
    assert (await status_counters(db, parent["id"]))["replies"] == 1
    shown = (await bob.get(f"/api/v1/statuses/{parent['id']}")).json()
    assert shown["replies_count"] == 1


async def test_direct_status_counts_towards_nothing_as_in_mastodon(
    alice: Actor, bob: Actor, db: Database
) -> None:
    parent = await post(alice, "parent")
    await post(bob, "@alice psst", visibility="direct", in_reply_to_id=parent["id"])
    assert await statuses_count(db, bob) == 0
    assert (await status_counters(db, parent["id"]))["replies"] == 0


async def test_mentions_and_tags_are_recorded(alice: Actor, bob: Actor, db: Database) -> None:
    status = await post(alice, "hey @bob and @ghost, #Python #python #rust")
    assert [m["username"] for m in status["mentions"]] == ["bob"]
    assert status["mentions"][0] == {
        "id": bob.id,
        "username": "bob",
        "url": "http://localhost:8000/@bob",
        "acct": "bob",
    }
    assert sorted(tag["name"].lower() for tag in status["tags"]) == ["python", "rust"]
    assert await _count(db, mentions) == 1
    assert await _count(db, status_tags) == 2
    assert (
        "@ghost" in status["content"]
        and 'href="http://localhost:8000/@ghost"' not in (status["content"])
    )


async def test_xss_in_text_and_spoiler_is_inert(alice: Actor) -> None:
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)"> javascript:alert(3)'
    status = await post(alice, attack, spoiler_text="<b onmouseover=alert(4)>cw</b>")
    assert "<script" not in status["content"] and "<img" not in status["content"]
    assert "&lt;script&gt;" in status["content"]
    assert 'href="javascript' not in status["content"]
    # spoiler_text is plain text, as in Mastodon: returned verbatim, never turned into HTML.
    assert status["spoiler_text"] == "<b onmouseover=alert(4)>cw</b>"


async def test_read_only_token_cannot_post(make_actor: Any, client: httpx.AsyncClient) -> None:
    reader = await make_actor("reader", scopes="read")
    response = await reader.post("/api/v1/statuses", json={"status": "hi"})
    assert response.status_code == 403
    anonymous = await client.post("/api/v1/statuses", json={"status": "hi"})
    assert anonymous.status_code == 401


async def test_idempotency_key_retry_returns_the_same_status(alice: Actor, db: Database) -> None:
    headers = {**alice.auth, "Idempotency-Key": "post-once"}
    first = await alice.http.post("/api/v1/statuses", json={"status": "once"}, headers=headers)
    second = await alice.http.post("/api/v1/statuses", json={"status": "once"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert await _count(db, statuses) == 1
    assert await statuses_count(db, alice) == 1


async def test_idempotency_keys_are_per_account(alice: Actor, bob: Actor, db: Database) -> None:
    for actor in (alice, bob):
        await actor.http.post(
            "/api/v1/statuses",
            json={"status": "same key"},
            headers={**actor.auth, "Idempotency-Key": "k"},
        )
    assert await _count(db, statuses) == 2
    assert await _count(db, idempotency_keys) == 2


async def test_failed_post_does_not_burn_its_idempotency_key(alice: Actor, db: Database) -> None:
    headers = {**alice.auth, "Idempotency-Key": "retry-me"}
    bad = await alice.http.post(
        "/api/v1/statuses", json={"status": "x", "in_reply_to_id": "1"}, headers=headers
    )
    assert bad.status_code == 422
    good = await alice.http.post("/api/v1/statuses", json={"status": "x"}, headers=headers)
    assert good.status_code == 200
    assert await _count(db, statuses) == 1


async def test_concurrent_duplicates_with_one_key_make_one_status(
    alice: Actor, db: Database
) -> None:
    headers = {**alice.auth, "Idempotency-Key": "race"}

    async def attempt() -> httpx.Response:
        return await alice.http.post("/api/v1/statuses", json={"status": "racing"}, headers=headers)

    responses = await asyncio.gather(*(attempt() for _ in range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    assert await _count(db, statuses) == 1
    assert await statuses_count(db, alice) == 1

"""Timeline paging: Link next/prev walks and max_id/since_id/min_id, no gaps, no repeats."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import Actor
from tests.timelines.helpers import HOME, links, newest_first, post, relate, settle


async def _page(
    reader: Actor | httpx.AsyncClient, url: str, **params: Any
) -> tuple[list[str], dict[str, str]]:
    if HOME in url:
        await settle()
    response = await reader.get(url, params=params or None)
    assert response.status_code == 200, response.text
    return [status["id"] for status in response.json()], links(response)


async def _home_story(alice: Actor, bob: Actor, carol: Actor) -> list[str]:
    """25 statuses reaching alice's home: her own, bob's (followed) and carol's mentions."""
    await relate(alice, bob, "follow")
    ids = []
    for number in range(25):
        if number % 5 == 4:
            status = await post(carol, f"@alice note {number}", visibility="direct")
        elif number % 2:
            status = await post(bob, f"bob {number}")
        else:
            status = await post(alice, f"alice {number}")
        ids.append(status["id"])
    await post(carol, "not for alice")
    return newest_first(ids)


async def _public_story(alice: Actor, bob: Actor, carol: Actor) -> list[str]:
    ids = [(await post(alice if n % 2 else bob, f"public {n}"))["id"] for n in range(25)]
    await post(carol, "not public", visibility="unlisted")
    return newest_first(ids)


STORIES = {
    "home": ("/api/v1/timelines/home", _home_story),
    "public": ("/api/v1/timelines/public", _public_story),
}


@pytest.mark.parametrize("timeline", list(STORIES))
async def test_link_headers_walk_the_whole_timeline_both_ways(
    timeline: str, alice: Actor, bob: Actor, carol: Actor
) -> None:
    url, story = STORIES[timeline]
    expected = await story(alice, bob, carol)

    pages = []
    ids, rels = await _page(alice, url, limit=10)
    while ids:
        pages.append(ids)
        assert set(rels) == {"next", "prev"}
        assert parse_qs(urlsplit(rels["next"]).query)["limit"] == ["10"]
        ids, rels = await _page(alice, rels["next"])
    assert rels == {}  # an empty page has no Link header
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [status_id for page in pages for status_id in page] == expected

    # Back up from the last page through the prev links.
    ids, rels = await _page(alice, url, limit=10, max_id=expected[20])
    assert ids == expected[21:]
    backwards = [ids]
    ids, rels = await _page(alice, rels["prev"])
    while ids:
        backwards.append(ids)
        ids, rels = await _page(alice, rels["prev"])
    assert [len(page) for page in backwards] == [4, 10, 10, 1]
    assert [status_id for page in reversed(backwards) for status_id in page] == expected


@pytest.mark.parametrize("timeline", list(STORIES))
async def test_cursor_parameters_select_the_right_slice(
    timeline: str, alice: Actor, bob: Actor, carol: Actor
) -> None:
    url, story = STORIES[timeline]
    expected = await story(alice, bob, carol)
    anchor = expected[12]

    older, _ = await _page(alice, url, max_id=anchor, limit=5)
    newest_above, _ = await _page(alice, url, since_id=anchor, limit=5)
    just_above, _ = await _page(alice, url, min_id=anchor, limit=5)
    between, _ = await _page(alice, url, max_id=expected[2], since_id=expected[8])

    assert older == expected[13:18]
    assert newest_above == expected[:5]  # since_id: the newest ones, gap allowed
    assert just_above == expected[7:12]  # min_id: the ones right above, newest first
    assert between == expected[3:8]


async def test_limit_is_clamped_to_forty(client: httpx.AsyncClient, alice: Actor) -> None:
    for number in range(42):
        await post(alice, f"status {number}")

    clamped = (await client.get("/api/v1/timelines/public", params={"limit": 100})).json()
    default = (await client.get("/api/v1/timelines/public")).json()
    home = (await alice.get("/api/v1/timelines/home", params={"limit": 41})).json()

    assert len(clamped) == 40
    assert len(default) == 20
    assert len(home) == 40


async def test_tag_timeline_pages_with_links(client: httpx.AsyncClient, alice: Actor) -> None:
    expected = newest_first([(await post(alice, f"#paged {n}"))["id"] for n in range(7)])

    first, rels = await _page(client, "/api/v1/timelines/tag/paged", limit=4)
    second, rels = await _page(client, rels["next"])

    assert first + second == expected
    assert (await _page(client, rels["next"]))[0] == []


async def test_bad_cursor_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/timelines/public", params={"max_id": "abc"})

    assert response.status_code == 422
    assert "error" in response.json()

"""Validation holes the fuzz suite found, pinned down: each was accepted and is now a 422."""

from __future__ import annotations

import pytest

from roost.errors import Validation
from roost.streaming.messages import parse_event_id
from roost.web.params import parse_flag
from tests.conftest import Actor


@pytest.mark.parametrize("text", ["maybe", "null", " true", "2", "tru"])
def test_a_boolean_that_is_no_boolean_spelling_is_refused(text: str) -> None:
    with pytest.raises(Validation):
        parse_flag(text, "flag")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("on", True), ("f", False), ("no", False)],
)
def test_rails_boolean_spellings_are_read(text: str, expected: bool) -> None:
    assert parse_flag(text, "flag") is expected
    assert parse_flag("", "flag") is None


@pytest.mark.parametrize("text", ["+5", "1_0", "inf", "5-x"])
def test_an_event_id_is_digits(text: str) -> None:
    with pytest.raises(Validation):
        parse_event_id(text)


async def test_garbage_booleans_and_ids_in_query_strings_are_refused(alice: Actor) -> None:
    for url in (
        "/api/v1/timelines/public?only_media=maybe",
        f"/api/v1/accounts/{alice.id}/statuses?pinned=null",
        "/api/v1/timelines/home?max_id=%2B5",
        "/api/v1/trends?limit=1_0",
        "/api/v2/search?q=a&offset=%2B1",
    ):
        response = await alice.get(url)
        assert response.status_code == 422, url
        assert "error" in response.json()


async def test_wrong_json_types_in_bodies_are_refused(alice: Actor, bob: Actor) -> None:
    posted = await alice.post("/api/v1/statuses", json={"status": False})
    assert posted.status_code == 422
    muted = await alice.post(f"/api/v1/accounts/{bob.id}/mute", json={"duration": "AAA"})
    assert muted.status_code == 422
    marked = await alice.post("/api/v1/markers", json={"home": [1]})
    assert marked.status_code == 422
    kept = await alice.post(f"/api/v1/accounts/{bob.id}/mute", json={"duration": 3600})
    assert kept.status_code == 200

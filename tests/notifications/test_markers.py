"""Read markers: save by form or JSON, read back, versions count the moves."""

from __future__ import annotations

from tests.conftest import Actor

MARKERS = "/api/v1/markers"


async def test_markers_round_trip_and_count_versions(alice: Actor, bob: Actor) -> None:
    empty = await alice.get(MARKERS, params={"timeline[]": ["home", "notifications"]})
    assert empty.status_code == 200 and empty.json() == {}
    saved = await alice.post(
        MARKERS, json={"home": {"last_read_id": "103"}, "notifications": {"last_read_id": 7}}
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["home"]["last_read_id"] == "103" and body["home"]["version"] == 0
    assert body["notifications"]["last_read_id"] == "7"
    assert body["home"]["updated_at"].endswith("Z")
    # A form post moves one marker; the version goes up, the other is untouched.
    moved = await alice.post(MARKERS, data={"home[last_read_id]": "200"})
    assert moved.status_code == 200
    assert set(moved.json()) == {"home"}
    assert moved.json()["home"]["last_read_id"] == "200"
    assert moved.json()["home"]["version"] == 1
    # Saving the same position again changes nothing.
    same = await alice.post(MARKERS, json={"home": {"last_read_id": "200"}})
    assert same.json()["home"]["version"] == 1
    both = await alice.get(MARKERS, params={"timeline[]": ["home", "notifications"]})
    assert both.json()["home"]["last_read_id"] == "200"
    assert both.json()["notifications"] == body["notifications"]
    only = await alice.get(MARKERS, params={"timeline[]": "notifications"})
    assert set(only.json()) == {"notifications"}
    assert (await alice.get(MARKERS)).json() == {}
    # Markers are per account.
    theirs = await bob.get(MARKERS, params={"timeline[]": ["home", "notifications"]})
    assert theirs.json() == {}


async def test_a_marker_without_a_position_is_refused(alice: Actor) -> None:
    for body in ({"home": {}}, {"home": {"last_read_id": ""}}, {"home": {"last_read_id": "x"}}):
        response = await alice.post(MARKERS, json=body)
        assert response.status_code == 422, body
        assert "error" in response.json()
    assert (await alice.get(MARKERS, params={"timeline[]": "home"})).json() == {}
    ignored = await alice.post(MARKERS, json={"public": {"last_read_id": "5"}})
    assert ignored.status_code == 200 and ignored.json() == {}

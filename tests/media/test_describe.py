"""Only the uploader sees and describes an unattached attachment."""

from __future__ import annotations

from tests.conftest import Actor
from tests.media.images import image_bytes, uploaded


async def test_description_and_focus_can_be_set(alice: Actor) -> None:
    media = await uploaded(alice, image_bytes("PNG"), description="first", focus="0.5,-0.25")
    assert media["description"] == "first"
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}

    response = await alice.put(
        f"/api/v1/media/{media['id']}", json={"description": "A red roof", "focus": "-1,1"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["description"] == "A red roof"
    assert response.json()["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    shown = (await alice.get(f"/api/v1/media/{media['id']}")).json()
    assert shown["description"] == "A red roof"


async def test_bad_description_or_focus_is_refused(alice: Actor) -> None:
    media = await uploaded(alice, image_bytes("PNG"))
    url = f"/api/v1/media/{media['id']}"
    assert (await alice.put(url, json={"description": "x" * 1501})).status_code == 422
    assert (await alice.put(url, json={"description": "x" * 1500})).status_code == 200
    for focus in ["2,0", "0", "a,b", "0,-1.5", "nan,0"]:
        assert (await alice.put(url, json={"focus": focus})).status_code == 422, focus


async def test_another_user_cannot_see_or_change_it(alice: Actor, bob: Actor) -> None:
    media = await uploaded(alice, image_bytes("PNG"))
    url = f"/api/v1/media/{media['id']}"
    assert (await bob.get(url)).status_code == 404
    assert (await bob.put(url, json={"description": "mine now"})).status_code == 404
    assert (await alice.get(url)).json()["description"] is None
    assert (await alice.get("/api/v1/media/999999")).status_code == 404
    assert (await alice.get("/api/v1/media/not-an-id")).status_code == 404

"""Attaching media to statuses, rendering it everywhere, and removing it with the status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Actor
from tests.media.images import image_bytes, uploaded


async def _post(actor: Actor, **fields: Any) -> Any:
    return await actor.post("/api/v1/statuses", json=fields)


def _stored_path(app: Any, url: str) -> Path:
    media_dir: Path = app.state.roost.settings.media_dir
    return media_dir / url.split("/system/media/", 1)[1]


async def test_status_with_media_and_no_text(alice: Actor, bob: Actor, drain: Any) -> None:
    first = await uploaded(alice, image_bytes("PNG", (40, 30)), description="one")
    second = await uploaded(alice, image_bytes("JPEG", (30, 40)), description="two")
    await bob.post(f"/api/v1/accounts/{alice.id}/follow")

    response = await _post(alice, status="", media_ids=[second["id"], first["id"]])
    assert response.status_code == 200, response.text
    status = response.json()
    assert [m["id"] for m in status["media_attachments"]] == [second["id"], first["id"]]
    assert status["media_attachments"][0]["description"] == "two"
    assert status["media_attachments"][1]["meta"]["original"]["size"] == "40x30"

    await drain()
    shown = (await bob.get(f"/api/v1/statuses/{status['id']}")).json()
    assert shown["media_attachments"] == status["media_attachments"]
    home = (await bob.get("/api/v1/timelines/home")).json()
    assert home[0]["media_attachments"] == status["media_attachments"]  # the cached copy too
    reblog = (await bob.post(f"/api/v1/statuses/{status['id']}/reblog")).json()
    assert reblog["reblog"]["media_attachments"] == status["media_attachments"]

    # attached media is no longer the uploader's to show or change
    assert (await alice.get(f"/api/v1/media/{first['id']}")).status_code == 404


async def test_only_media_filters(alice: Actor) -> None:
    media = await uploaded(alice, image_bytes("PNG"))
    with_media = (await _post(alice, status="look #pics", media_ids=[media["id"]])).json()
    await _post(alice, status="just words #pics")

    for url in [
        f"/api/v1/accounts/{alice.id}/statuses?only_media=true",
        "/api/v1/timelines/public?only_media=true",
        "/api/v1/timelines/tag/pics?only_media=true",
    ]:
        ids = [s["id"] for s in (await alice.get(url)).json()]
        assert ids == [with_media["id"]], url
    everything = (await alice.get(f"/api/v1/accounts/{alice.id}/statuses")).json()
    assert len(everything) == 2


async def test_media_cannot_be_attached_twice_or_by_someone_else(alice: Actor, bob: Actor) -> None:
    media = await uploaded(alice, image_bytes("PNG"))

    stolen = await _post(bob, status="mine", media_ids=[media["id"]])
    assert stolen.status_code == 422
    assert media["id"] in stolen.json()["error"]
    assert (await _post(alice, status="x", media_ids=["12345"])).status_code == 422
    assert (await _post(alice, status="x", media_ids=["nope"])).status_code == 422

    assert (await _post(alice, status="first", media_ids=[media["id"]])).status_code == 200
    again = await _post(alice, status="second", media_ids=[media["id"]])
    assert again.status_code == 422
    statuses = (await alice.get(f"/api/v1/accounts/{alice.id}/statuses")).json()
    assert [s["content"] for s in statuses] == ["<p>first</p>"]  # nothing half-written


async def test_at_most_four_attachments(alice: Actor) -> None:
    ids = [(await uploaded(alice, image_bytes("PNG", (10 + n, 10))))["id"] for n in range(5)]
    too_many = await _post(alice, status="five", media_ids=ids)
    assert too_many.status_code == 422
    four = await _post(alice, status="four", media_ids=ids[:4])
    assert len(four.json()["media_attachments"]) == 4


async def test_media_still_processing_cannot_be_attached(alice: Actor, drain: Any) -> None:
    from tests.media.images import noise_png, upload

    pending = (await upload(alice, noise_png(700))).json()
    early = await _post(alice, status="too soon", media_ids=[pending["id"]])
    assert early.status_code == 422
    await drain()
    assert (await _post(alice, status="now", media_ids=[pending["id"]])).status_code == 200


async def test_deleting_a_status_removes_its_files(alice: Actor, app: Any, drain: Any) -> None:
    shared_content = image_bytes("PNG", (50, 50))
    kept = await uploaded(alice, shared_content)
    gone = await uploaded(alice, shared_content)  # same bytes: the files are shared
    own = await uploaded(alice, image_bytes("JPEG", (60, 40)))
    status = (await _post(alice, status="bye", media_ids=[gone["id"], own["id"]])).json()
    files = [_stored_path(app, m[key]) for m in (gone, own) for key in ("url", "preview_url")]
    assert all(path.is_file() for path in files)

    assert (await alice.delete(f"/api/v1/statuses/{status['id']}")).status_code == 200
    await drain()

    assert not _stored_path(app, own["url"]).exists()
    assert not _stored_path(app, own["preview_url"]).exists()
    # the other upload of the same picture still has its files
    assert _stored_path(app, kept["url"]).is_file()
    assert (await alice.http.get(kept["url"])).status_code == 200
    assert (await alice.http.get(own["url"])).status_code == 404
    assert (await alice.get(f"/api/v1/media/{kept['id']}")).status_code == 200
    assert (await alice.get(f"/api/v1/media/{gone['id']}")).status_code == 404
    await drain()  # running again changes nothing
    assert _stored_path(app, kept["preview_url"]).is_file()

"""Media files are served immutable, with a strong ETag and conditional requests."""

from __future__ import annotations

from tests.conftest import Actor
from tests.media.images import image_bytes, uploaded


async def test_files_carry_strong_etags_and_cache_forever(alice: Actor) -> None:
    media = await uploaded(alice, image_bytes("PNG", (1000, 800)))

    first = await alice.http.get(media["url"])  # no token needed: a CDN fetches these
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/png"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert etag.strip('"') in media["url"]  # content-addressed: the name is the hash

    again = await alice.http.get(media["url"], headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    other = await alice.http.get(media["url"], headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content

    preview = await alice.http.get(media["preview_url"])
    assert preview.status_code == 200 and preview.headers["etag"] != etag


async def test_unknown_or_sneaky_paths_are_not_found(alice: Actor) -> None:
    for path in [
        "/system/media/files/00/00/" + "0" * 64 + ".png",
        "/system/media/../roost.sqlite3",
        "/system/media/files/..%2F..%2Froost.sqlite3",
        "/system/media/incoming/123",
    ]:
        response = await alice.http.get(path)
        assert response.status_code == 404, path

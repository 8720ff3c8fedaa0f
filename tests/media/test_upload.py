"""Uploading images: validated by content, stripped, resized, inline or through the worker."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Actor
from tests.media.images import (
    GPS_IFD,
    MAKE,
    image_bytes,
    jpeg_with_exif,
    noise_png,
    opened,
    png_claiming_size,
    upload,
    uploaded,
)


async def _file(actor: Actor, url: str) -> bytes:
    response = await actor.http.get(url)
    assert response.status_code == 200, url
    return response.content


async def test_small_jpeg_is_processed_at_once_and_loses_its_exif(alice: Actor) -> None:
    original = jpeg_with_exif()
    assert MAKE in opened(original).getexif()  # the upload really carries EXIF

    media = await uploaded(alice, original, filename="holiday.jpg", content_type="image/jpeg")

    assert media["type"] == "image"
    assert media["url"].endswith(".jpg") and media["preview_url"].endswith(".jpg")
    assert media["meta"]["original"] == {
        "width": 320, "height": 200, "size": "320x200", "aspect": 1.6
    }  # fmt: skip
    assert media["meta"]["focus"] == {"x": 0.0, "y": 0.0}
    assert isinstance(media["blurhash"], str) and len(media["blurhash"]) > 6
    stored = opened(await _file(alice, media["url"]))
    assert stored.format == "JPEG"
    assert MAKE not in stored.getexif() and GPS_IFD not in stored.getexif()
    assert "exif" not in stored.info


@pytest.mark.parametrize(
    ("fmt", "stored_as", "extension"),
    [("PNG", "PNG", "png"), ("WEBP", "WEBP", "webp"), ("GIF", "PNG", "png")],
)
async def test_png_webp_and_gif_are_accepted(
    alice: Actor, fmt: str, stored_as: str, extension: str
) -> None:
    media = await uploaded(alice, image_bytes(fmt, (100, 50)), filename=f"x.{fmt.lower()}")
    assert media["url"].endswith(f".{extension}")
    assert opened(await _file(alice, media["url"])).format == stored_as
    assert media["meta"]["original"]["size"] == "100x50"


async def test_large_dimensions_are_scaled_down_with_a_small_preview(alice: Actor) -> None:
    media = await uploaded(alice, image_bytes("JPEG", (4000, 2500)), version="v1")
    original, small = media["meta"]["original"], media["meta"]["small"]
    assert original["width"] * original["height"] <= 8_294_400
    assert original["width"] > 3600 and abs(original["aspect"] - 1.6) < 0.01
    assert small["width"] * small["height"] <= 230_400
    assert opened(await _file(alice, media["preview_url"])).size == (
        small["width"],
        small["height"],
    )


async def test_content_decides_the_type_not_the_name(alice: Actor) -> None:
    media = await uploaded(
        alice, image_bytes("PNG"), filename="disguised.jpg", content_type="image/jpeg"
    )
    assert media["url"].endswith(".png")

    text = await upload(alice, b"just some text, not a picture\n" * 20, filename="fake.png")
    assert text.status_code == 422
    assert "error" in text.json()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
async def test_truncated_file_is_refused(alice: Actor, fmt: str) -> None:
    whole = image_bytes(fmt, (200, 200))
    response = await upload(alice, whole[: len(whole) // 2], version="v1")
    assert response.status_code == 422, response.text


async def test_decompression_bomb_is_refused(alice: Actor) -> None:
    for width, height in [(10_000, 10_000), (6_000, 6_000), (200_000, 200_000)]:
        response = await upload(alice, png_claiming_size(width, height))
        assert response.status_code == 422, (width, response.text)
        assert "pixels" in response.json()["error"]


async def test_oversized_upload_gets_413(alice: Actor, app: Any) -> None:
    limit = app.state.roost.settings.media_max_bytes
    response = await upload(alice, image_bytes("PNG") + b"\0" * limit)
    assert response.status_code == 413
    assert "error" in response.json()


async def test_missing_file_is_422(alice: Actor) -> None:
    response = await alice.post("/api/v2/media", data={"description": "nothing"})
    assert response.status_code == 422


async def test_large_upload_is_processed_by_the_worker(alice: Actor, drain: Any) -> None:
    big = noise_png(700)
    assert len(big) > 1_048_576

    response = await upload(alice, big, description="static")
    assert response.status_code == 202, response.text
    pending = response.json()
    assert pending["url"] is None and pending["meta"] is None
    assert pending["description"] == "static"
    shown = await alice.get(f"/api/v1/media/{pending['id']}")
    assert shown.status_code == 206

    await drain()

    ready = await alice.get(f"/api/v1/media/{pending['id']}")
    assert ready.status_code == 200
    body = ready.json()
    assert body["url"].endswith(".png") and body["meta"]["original"]["size"] == "700x700"
    assert opened(await _file(alice, body["url"])).size == (700, 700)


async def test_v1_upload_is_always_synchronous(alice: Actor) -> None:
    media = await uploaded(alice, noise_png(700), version="v1")
    assert media["url"] is not None


async def test_truncated_large_upload_fails_in_the_worker(alice: Actor, drain: Any) -> None:
    whole = noise_png(1400, "JPEG")
    assert len(whole) > 1_048_576
    response = await upload(alice, whole[: len(whole) - 4000], content_type="image/jpeg")
    assert response.status_code == 202, response.text
    await drain()
    shown = await alice.get(f"/api/v1/media/{response.json()['id']}")
    assert shown.status_code == 422


async def test_upload_needs_write_media(make_actor: Any) -> None:
    reader = await make_actor("reader", scopes="read")
    response = await upload(reader, image_bytes("PNG"))
    assert response.status_code == 403

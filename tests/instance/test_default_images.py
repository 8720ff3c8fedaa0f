"""The default avatar and header the Account entity points at are real PNGs."""

from __future__ import annotations

import struct
import zlib
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import Actor


def _decode_png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and raw scanlines, checking every chunk's CRC on the way."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, width, height, idat = 8, 0, 0, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.parametrize(
    ("path", "size"),
    [("/avatars/original/missing.png", (400, 400)), ("/headers/original/missing.png", (1500, 500))],
)
async def test_default_image_is_a_cacheable_png(
    client: httpx.AsyncClient, path: str, size: tuple[int, int]
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "max-age=" in response.headers["cache-control"]
    width, height, pixels = _decode_png(response.content)
    assert (width, height) == size
    assert len(pixels) == height * (1 + 3 * width)
    again = await client.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


async def test_account_avatar_and_header_urls_resolve(
    client: httpx.AsyncClient, alice: Actor
) -> None:
    me = (await alice.get("/api/v1/accounts/verify_credentials")).json()
    for field in ("avatar", "avatar_static", "header", "header_static"):
        response = await client.get(urlsplit(me[field]).path)
        assert response.status_code == 200, field
        assert response.content.startswith(b"\x89PNG")

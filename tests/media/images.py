"""Real image files made with Pillow for the media tests, and upload helpers."""

from __future__ import annotations

import io
import os
import struct
import zlib
from typing import Any

import httpx
from PIL import Image

from tests.conftest import Actor

GPS_IFD = 0x8825
MAKE = 0x010F


def image_bytes(fmt: str, size: tuple[int, int] = (320, 200), **save: Any) -> bytes:
    """A gradient picture (so resizing and blurhash have something to work on)."""
    across = Image.linear_gradient("L").rotate(90).resize(size)
    down = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (across, down, Image.new("L", size, 128)))
    if fmt == "GIF":
        image = image.convert("P")
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_exif() -> bytes:
    """A JPEG carrying a camera make and a GPS position in its EXIF block."""
    exif = Image.Exif()
    exif[MAKE] = "RoostCam"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}
    return image_bytes("JPEG", exif=exif.tobytes())


def noise_png(side: int, fmt: str = "PNG") -> bytes:
    """Incompressible pixels: a PNG of roughly 3 * side * side bytes."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape)."""
    data = bytearray(image_bytes("PNG", (8, 8)))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


async def upload(
    actor: Actor,
    data: bytes,
    *,
    filename: str = "picture.png",
    content_type: str = "image/png",
    version: str = "v2",
    **fields: str,
) -> httpx.Response:
    return await actor.post(
        f"/api/{version}/media",
        files={"file": (filename, data, content_type)},
        data=fields,
    )


async def uploaded(actor: Actor, data: bytes, **kwargs: Any) -> dict[str, Any]:
    response = await upload(actor, data, **kwargs)
    assert response.status_code == 200, response.text
    media: dict[str, Any] = response.json()
    return media


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))

"""The default avatar and header every account points at, as small PNGs made at import.

Notes on design: building the two images with zlib and struct avoids shipping
binary files and an image library; a solid colour compresses to a few hundred bytes.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """An 8-bit RGB PNG of one colour."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    pixels = zlib.compress(row * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class StaticImage:
    body: bytes
    etag: str


def _image(body: bytes) -> StaticImage:
    return StaticImage(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')


MISSING_AVATAR = _image(solid_png(400, 400, (0x9B, 0xAE, 0xC8)))
MISSING_HEADER = _image(solid_png(1500, 500, (0x60, 0x69, 0x84)))

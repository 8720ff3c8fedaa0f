"""Image validation and processing with Pillow: probe, strip, resize, thumbnail, blurhash.

Everything here is synchronous and CPU-bound; callers run it in a thread
(``asyncio.to_thread``) so the event loop keeps serving.

Notes on design:

- The type is decided by the bytes, never by the file name or the client's
  Content-Type: ``Image.open(..., formats=ACCEPTED)`` only tries the four accepted
  decoders, so anything else (text, SVG, a PDF named ``.png``) is "unidentified".
- Decompression bombs are refused from the header alone: the pixel count is checked
  before any pixel is decoded (and Pillow's own ``MAX_IMAGE_PIXELS`` guard is kept).
- Every stored file is re-encoded from decoded pixels, so EXIF (GPS positions,
  camera serials), XMP and text chunks never reach the stored file; the EXIF
  orientation is applied to the pixels first so the picture still stands upright.
- Animated GIFs keep only their first frame and are stored as PNG, like Mastodon's
  static GIFs (Mastodon turns animated ones into MP4 video, which Roost does not do).
- Sizes follow Mastodon: the original is scaled down to at most
  ``media_original_pixels`` (8.3 MP, 3840x2160) and the preview to
  ``media_small_pixels`` (640x360 worth of pixels), keeping the aspect ratio.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import blurhash
from PIL import Image, ImageOps, UnidentifiedImageError

from roost.errors import Validation

ACCEPTED = ("JPEG", "PNG", "WEBP", "GIF")
_OUTPUT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
UNSUPPORTED = "Validation failed: File content type is invalid"
CORRUPT = "Validation failed: File could not be processed (corrupt or truncated image)"
_BROKEN = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


@dataclass(frozen=True)
class Probe:
    format: str  # one of ACCEPTED
    width: int
    height: int


@dataclass(frozen=True)
class Variant:
    data: bytes
    width: int
    height: int
    content_type: str
    key: str  # content-addressed storage key


@dataclass(frozen=True)
class Processed:
    original: Variant
    small: Variant
    blurhash: str

    def meta(self) -> dict[str, Any]:
        return {"original": _dimensions(self.original), "small": _dimensions(self.small)}


def probe(data: bytes, *, max_pixels: int) -> Probe:
    """Identify and check an upload without decoding its pixels (cheap: done inline)."""
    try:
        with _no_bomb_warnings(), Image.open(io.BytesIO(data), formats=ACCEPTED) as image:
            found = Probe(format=str(image.format), width=image.width, height=image.height)
            _check_pixels(found.width, found.height, max_pixels)
            image.verify()
    except UnidentifiedImageError as exc:
        raise Validation(UNSUPPORTED) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Validation(_too_many_pixels(max_pixels)) from exc
    except _BROKEN as exc:
        raise Validation(CORRUPT) from exc
    return found


def process(data: bytes, *, max_pixels: int, original_pixels: int, small_pixels: int) -> Processed:
    """Decode fully, strip metadata, scale down, make the preview and the blurhash."""
    found = probe(data, max_pixels=max_pixels)
    try:
        with _no_bomb_warnings(), Image.open(io.BytesIO(data), formats=ACCEPTED) as image:
            image.seek(0)
            image.load()  # a truncated file fails here
            upright = ImageOps.exif_transpose(image) or image
            pixels = _plain_mode(upright, _OUTPUT[found.format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Validation(_too_many_pixels(max_pixels)) from exc
    except _BROKEN as exc:
        raise Validation(CORRUPT) from exc
    output = _OUTPUT[found.format]
    original = _variant("files", _fit(pixels, original_pixels), output)
    small_image = _fit(pixels, small_pixels)
    small = _variant("small", small_image, output)
    return Processed(original=original, small=small, blurhash=_blurhash(small_image))


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise Validation(CORRUPT)
    if width * height > max_pixels:
        raise Validation(_too_many_pixels(max_pixels))


def _too_many_pixels(max_pixels: int) -> str:
    return f"Validation failed: File dimensions exceed the limit of {max_pixels} pixels"


@contextmanager
def _no_bomb_warnings() -> Iterator[None]:
    """Turn Pillow's decompression-bomb *warning* into an error we refuse with."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _plain_mode(image: Image.Image, output: str) -> Image.Image:
    """A mode the output format stores: RGB/L for JPEG, RGB(A)/L(A) for PNG and WebP."""
    if output == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    transparent = "A" in image.mode or "transparency" in image.info
    return image.convert("RGBA" if transparent else "RGB")


def _fit(image: Image.Image, max_pixels: int) -> Image.Image:
    """Scale down (never up) to at most ``max_pixels``, keeping the aspect ratio."""
    width, height = image.size
    if width * height <= max_pixels:
        return image
    scale = math.sqrt(max_pixels / (width * height))
    size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _variant(folder: str, image: Image.Image, output: str) -> Variant:
    buffer = io.BytesIO()
    if output == "JPEG":
        image.save(buffer, "JPEG", quality=90, optimize=True)
    elif output == "WEBP":
        image.save(buffer, "WEBP", quality=90)
    else:
        image.save(buffer, "PNG")
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    key = f"{folder}/{digest[:2]}/{digest[2:4]}/{digest}.{_EXTENSIONS[output]}"
    return Variant(
        data=data,
        width=image.width,
        height=image.height,
        content_type=_CONTENT_TYPES[output],
        key=key,
    )


def _blurhash(image: Image.Image) -> str:
    """Mastodon's 4x4 components, computed on a tiny copy (the hash is a blur anyway)."""
    tiny = image.convert("RGB")
    tiny.thumbnail((64, 64))
    return str(blurhash.encode(tiny, x_components=4, y_components=4))


def _dimensions(variant: Variant) -> dict[str, Any]:
    return {
        "width": variant.width,
        "height": variant.height,
        "size": f"{variant.width}x{variant.height}",
        "aspect": variant.width / variant.height,
    }


def content_type_of_key(key: str) -> str:
    """The Content-Type a stored key is served with (from its extension, which we chose)."""
    extension = key.rsplit(".", 1)[-1]
    for name, ext in _EXTENSIONS.items():
        if ext == extension:
            return _CONTENT_TYPES[name]
    return "application/octet-stream"

"""Where media files live: a small storage port and its filesystem adapter.

Keys are relative, slash-separated names such as ``files/ab/cd/<sha256>.png``. The
filesystem adapter keeps them under ``settings.media_dir``; an object-store adapter
(S3 and the like) would implement the same four methods.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from roost.settings import Settings

_KEY = re.compile(r"^[a-z]+(?:/[A-Za-z0-9_.-]+)+$")


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (replacing what was there, atomically)."""

    async def get(self, key: str) -> bytes | None:
        """The bytes under ``key``, or None when there is nothing."""

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing what is not there is fine."""

    async def exists(self, key: str) -> bool:
        """Whether something is stored under ``key``."""


def valid_key(key: str) -> bool:
    """Keys are plain relative names: no ``..``, no absolute paths, no empty parts."""
    return bool(_KEY.match(key)) and ".." not in key


class FileSystemStorage:
    """Files under a root folder; blocking I/O runs in a thread."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not valid_key(key):
            raise ValueError(f"invalid media key {key!r}")
        return self.root / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, self._path(key))

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)  # readers never see a half-written file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @staticmethod
    def _get(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None


def storage_for(settings: Settings) -> MediaStorage:
    """The configured storage: the filesystem under the data folder (the only adapter yet)."""
    return FileSystemStorage(settings.media_dir)

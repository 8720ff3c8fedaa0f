"""The Mastodon MediaAttachment entity."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping

from roost.settings import Settings

MEDIA_PATH = "/system/media/"


def file_url(settings: Settings, key: str | None) -> str | None:
    return f"{settings.base_url}{MEDIA_PATH}{key}" if key else None


def render_media(row: RowMapping, settings: Settings) -> dict[str, Any]:
    """A MediaAttachment; while processing, ``url`` and ``meta`` are null (as Mastodon)."""
    meta: dict[str, Any] | None = None
    if row["meta"]:
        meta = {**row["meta"], "focus": {"x": row["focus_x"], "y": row["focus_y"]}}
    return {
        "id": str(row["id"]),
        "type": row["type"],
        "url": file_url(settings, row["file_key"]),
        "preview_url": file_url(settings, row["small_key"]),
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": row["description"],
        "blurhash": row["blurhash"],
    }

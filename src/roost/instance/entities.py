"""Mastodon's Instance entities: V1::Instance and the v2 Instance.

Notes on design: ``version`` claims Mastodon 4.2.0 first, then names Roost, as
other compatible servers do; clients such as Mastodon.py read the leading x.y.z to
decide which endpoints exist, and 4.2.0 is the API level Roost implements.
"""

from __future__ import annotations

from typing import Any

from roost import __version__
from roost.instance.service import InstanceStats
from roost.settings import RegistrationMode, Settings

MASTODON_API_VERSION = "4.2.0"
VERSION = f"{MASTODON_API_VERSION} (compatible; Roost {__version__})"
SOURCE_URL = ""  # no public repository yet
LANGUAGES = ["en"]
CHARACTERS_RESERVED_PER_URL = 23
MAX_FEATURED_TAGS = 10
MAX_PINNED_STATUSES = 5
# Roost takes images (no video) and no polls yet; zero limits tell clients so.
MEDIA_ATTACHMENTS: dict[str, Any] = {
    "supported_mime_types": ["image/jpeg", "image/png", "image/webp", "image/gif"],
    "image_size_limit": 0,  # set from the settings by _media_attachments
    "image_matrix_limit": 0,
    "video_size_limit": 0,
    "video_frame_rate_limit": 0,
    "video_matrix_limit": 0,
}
POLLS: dict[str, Any] = {
    "max_options": 0,
    "max_characters_per_option": 0,
    "min_expiration": 0,
    "max_expiration": 0,
}


def _streaming_url(settings: Settings) -> str:
    base = settings.base_url
    return "wss://" + base[8:] if base.startswith("https://") else "ws://" + base[7:]


def _statuses(settings: Settings) -> dict[str, Any]:
    return {
        "max_characters": settings.max_status_chars,
        "max_media_attachments": 4,
        "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL,
    }


def _media_attachments(settings: Settings) -> dict[str, Any]:
    return {
        **MEDIA_ATTACHMENTS,
        "image_size_limit": settings.media_max_bytes,
        "image_matrix_limit": settings.media_max_pixels,
    }


def _thumbnail_url(settings: Settings) -> str:
    return f"{settings.base_url}/headers/original/missing.png"


def render_instance_v1(settings: Settings, stats: InstanceStats) -> dict[str, Any]:
    """GET /api/v1/instance."""
    mode = settings.registrations
    return {
        "uri": settings.instance_domain,
        "title": settings.instance_title,
        "short_description": settings.instance_description,
        "description": settings.instance_description,
        "email": settings.contact_email,
        "version": VERSION,
        "urls": {"streaming_api": _streaming_url(settings)},
        "stats": {
            "user_count": stats.user_count,
            "status_count": stats.status_count,
            "domain_count": stats.domain_count,
        },
        "thumbnail": _thumbnail_url(settings),
        "languages": LANGUAGES,
        "registrations": mode != RegistrationMode.closed,
        "approval_required": mode == RegistrationMode.approval,
        "invites_enabled": False,
        "configuration": {
            "accounts": {"max_featured_tags": MAX_FEATURED_TAGS},
            "statuses": _statuses(settings),
            "media_attachments": _media_attachments(settings),
            "polls": POLLS,
        },
        "contact_account": None,
        "rules": [],
    }


def render_instance_v2(settings: Settings, stats: InstanceStats) -> dict[str, Any]:
    """GET /api/v2/instance."""
    mode = settings.registrations
    return {
        "domain": settings.instance_domain,
        "title": settings.instance_title,
        "version": VERSION,
        "source_url": SOURCE_URL,
        "description": settings.instance_description,
        "usage": {"users": {"active_month": stats.active_month}},
        "thumbnail": {"url": _thumbnail_url(settings), "blurhash": None, "versions": {}},
        "languages": LANGUAGES,
        "configuration": {
            "urls": {"streaming": _streaming_url(settings)},
            "vapid": {"public_key": ""},
            "accounts": {
                "max_featured_tags": MAX_FEATURED_TAGS,
                "max_pinned_statuses": MAX_PINNED_STATUSES,
            },
            "statuses": _statuses(settings),
            "media_attachments": _media_attachments(settings),
            "polls": POLLS,
            "translation": {"enabled": False},
        },
        "registrations": {
            "enabled": mode != RegistrationMode.closed,
            "approval_required": mode == RegistrationMode.approval,
            "message": None,
            "url": None,
        },
        "contact": {"email": settings.contact_email, "account": None},
        "rules": [],
    }

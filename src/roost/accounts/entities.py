"""The Mastodon Account entity."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy.engine import RowMapping

from roost.settings import Settings
from roost.timefmt import mastodon_date, mastodon_time


def note_html(note: str) -> str:
    """Profile notes are plain text; render them escaped, in a paragraph, as Mastodon does."""
    if not note:
        return ""
    return "<p>" + html.escape(note).replace("\n", "<br />") + "</p>"


def render_account(row: RowMapping, settings: Settings) -> dict[str, Any]:
    base = settings.base_url
    username = row["username"]
    avatar = f"{base}/avatars/original/missing.png"
    header = f"{base}/headers/original/missing.png"
    last_status_at = row["last_status_at"]
    return {
        "id": str(row["id"]),
        "username": username,
        "acct": username,
        "display_name": row["display_name"],
        "locked": bool(row["locked"]),
        "bot": bool(row["bot"]),
        "discoverable": bool(row["discoverable"]),
        "indexable": bool(row["discoverable"]),
        "group": False,
        "created_at": mastodon_time(row["created_at"]),
        "note": note_html(row["note"]),
        "url": f"{base}/@{username}",
        "uri": f"{base}/users/{username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": row["followers_count"],
        "following_count": row["following_count"],
        "statuses_count": row["statuses_count"],
        "last_status_at": mastodon_date(last_status_at) if last_status_at else None,
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [],
    }


def render_credential_account(row: RowMapping, settings: Settings) -> dict[str, Any]:
    """The Account entity with ``source``, as verify_credentials returns it."""
    data = render_account(row, settings)
    data["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": None,
        "note": row["note"],
        "fields": [],
        "follow_requests_count": 0,
    }
    data["role"] = {
        "id": "-99",
        "name": "",
        "permissions": "0",
        "color": "",
        "highlighted": False,
    }
    return data

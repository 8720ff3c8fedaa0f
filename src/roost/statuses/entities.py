"""The Mastodon Status entity, rendered for a whole page at once.

Notes on design: rendering loads everything a page needs (authors, reblogged
originals, mentions, tags, applications and the viewer's favourited and reblogged
flags) with one query each over the page's ids, never one per status, so a page of
forty statuses costs the same handful of round trips as a page of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.entities import render_account
from roost.accounts.queries import find_accounts
from roost.media.entities import render_media
from roost.media.queries import media_of_statuses
from roost.settings import Settings
from roost.statuses import queries
from roost.timefmt import mastodon_time


async def render_statuses(
    conn: AsyncConnection,
    *,
    rows: Sequence[RowMapping],
    viewer_account_id: int | None,
    settings: Settings,
) -> list[dict[str, Any]]:
    """Render full ``statuses`` rows as Mastodon Status entities, in the order given.

    Contract (the timelines code relies on it):

    - ``rows`` are full rows of the ``statuses`` table (``select(statuses)``), already
      filtered for visibility by the caller (see ``visibility.visible_to``);
    - a reblog row renders as Mastodon's reblog wrapper with the reblogged status
      nested under ``reblog`` (the wrapper's own content is empty);
    - the number of queries is FIXED whatever the number of rows: reblogged originals,
      accounts, mentions, tags, media attachments, applications and the viewer's
      favourited/reblogged flags are each batch-loaded once (at most eight queries);
    - fields: id, created_at, in_reply_to_id, in_reply_to_account_id, sensitive,
      spoiler_text, visibility, language, uri, url, replies_count, reblogs_count,
      favourites_count, edited_at, favourited, reblogged, muted, bookmarked, pinned
      (false), content, filtered [], reblog, application ({name, website} or null),
      account, media_attachments [MediaAttachment], mentions [{id, username, url, acct}],
      tags [{name, url}], emojis [], card null, poll null; ids are strings;
    - ``text`` (the source) is NOT included: delete responses add it themselves.
    """
    if not rows:
        return []
    originals = await queries.find_statuses(
        conn, [row["reblog_of_id"] for row in rows if row["reblog_of_id"] is not None]
    )
    all_rows = [*rows, *originals.values()]
    ids = [row["id"] for row in all_rows]
    authors = await find_accounts(conn, {row["account_id"] for row in all_rows})
    mentioned = await queries.mentioned_accounts(conn, ids)
    tag_names = await queries.tag_names(conn, ids)
    media = await media_of_statuses(conn, ids)
    applications = await queries.find_applications(
        conn, {row["application_id"] for row in all_rows if row["application_id"] is not None}
    )
    favourited: set[int] = set()
    reblogged: set[int] = set()
    if viewer_account_id is not None:
        favourited = await queries.favourited_status_ids(conn, viewer_account_id, ids)
        reblogged = await queries.reblogged_status_ids(conn, viewer_account_id, ids)
    context = _Context(
        settings=settings,
        authors=authors,
        mentioned=mentioned,
        tag_names=tag_names,
        media=media,
        applications=applications,
        favourited=favourited,
        reblogged=reblogged,
    )
    rendered = []
    for row in rows:
        data = context.render(row)
        if row["reblog_of_id"] is not None:
            data["reblog"] = context.render(originals[row["reblog_of_id"]])
        rendered.append(data)
    return rendered


class _Context:
    """Everything batch-loaded for one page, and the rendering of one status from it."""

    def __init__(
        self,
        *,
        settings: Settings,
        authors: dict[int, RowMapping],
        mentioned: dict[int, list[RowMapping]],
        tag_names: dict[int, list[str]],
        media: dict[int, list[RowMapping]],
        applications: dict[int, RowMapping],
        favourited: set[int],
        reblogged: set[int],
    ) -> None:
        self.settings = settings
        self.base = settings.base_url
        self.authors = authors
        self.mentioned = mentioned
        self.tag_names = tag_names
        self.media = media
        self.applications = applications
        self.favourited = favourited
        self.reblogged = reblogged
        self._accounts: dict[int, dict[str, Any]] = {}

    def account(self, account_id: int) -> dict[str, Any]:
        if account_id not in self._accounts:
            self._accounts[account_id] = render_account(self.authors[account_id], self.settings)
        return self._accounts[account_id]

    def render(self, row: RowMapping) -> dict[str, Any]:
        status_id = row["id"]
        author = self.authors[row["account_id"]]
        username = author["username"]
        is_reblog = row["reblog_of_id"] is not None
        if is_reblog:
            uri = f"{self.base}/users/{username}/statuses/{status_id}/activity"
            url = uri
        else:
            uri = f"{self.base}/users/{username}/statuses/{status_id}"
            url = f"{self.base}/@{username}/{status_id}"
        application = self.applications.get(row["application_id"] or 0)
        return {
            "id": str(status_id),
            "created_at": mastodon_time(row["created_at"]),
            "in_reply_to_id": _str_or_none(row["in_reply_to_id"]),
            "in_reply_to_account_id": _str_or_none(row["in_reply_to_account_id"]),
            "sensitive": bool(row["sensitive"]),
            "spoiler_text": row["spoiler_text"],
            "visibility": row["visibility"],
            "language": row["language"],
            "uri": uri,
            "url": url,
            "replies_count": row["replies_count"],
            "reblogs_count": row["reblogs_count"],
            "favourites_count": row["favourites_count"],
            "edited_at": mastodon_time(row["edited_at"]) if row["edited_at"] else None,
            "favourited": status_id in self.favourited,
            "reblogged": status_id in self.reblogged,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "content": row["content"],
            "filtered": [],
            "reblog": None,
            "application": (
                {"name": application["name"], "website": application["website"]}
                if application is not None
                else None
            ),
            "account": self.account(row["account_id"]),
            "media_attachments": [
                render_media(media, self.settings) for media in self.media.get(status_id, [])
            ],
            "mentions": [self._mention(account) for account in self.mentioned.get(status_id, [])],
            "tags": [
                {"name": name, "url": f"{self.base}/tags/{quote(name)}"}
                for name in self.tag_names.get(status_id, [])
            ],
            "emojis": [],
            "card": None,
            "poll": None,
        }

    def _mention(self, account: RowMapping) -> dict[str, Any]:
        username = account["username"]
        return {
            "id": str(account["id"]),
            "username": username,
            "url": f"{self.base}/@{username}",
            "acct": username,
        }


def _str_or_none(value: int | None) -> str | None:
    return str(value) if value is not None else None

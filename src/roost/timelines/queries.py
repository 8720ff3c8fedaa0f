"""SQL for the home, public and hashtag timelines.

Every query returns full ``statuses`` rows (what ``render_statuses`` takes), newest
first, filtered in the database with ``visible_to`` so a page is never short
because rows were dropped after the LIMIT.

Notes on design: the home timeline here is the plain database "pull" query; the
timeline engine (a later issue) replaces it with fan-out on write and keeps this
query as its fallback and benchmark baseline. It reads one index range scan of
``statuses (account_id, id)`` per followed account instead of walking every status
by id and testing follows: on PostgreSQL each scan sits in a LATERAL subquery with
its own LIMIT, so a page costs at most ``limit`` rows per followed account however
much they have posted. SQLite has no LATERAL; there the same per-account range
scans feed one sort, which is fine at the scale the embedded backend serves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    exists,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import blocks, follows, mutes
from roost.db.paging import Page, in_page_order, paginate
from roost.media.queries import status_has_media
from roost.statuses.schema import mentions, status_tags, statuses, tags
from roost.statuses.visibility import visible_to
from roost.tags.schema import tag_follows

LIMITED_VISIBILITIES = ("private", "direct")


async def home_timeline(
    conn: AsyncConnection, *, viewer_id: int, page: Page, reply_filter: bool = True
) -> list[RowMapping]:
    """One page of the viewer's home timeline, newest first."""
    lateral = conn.dialect.name == "postgresql"
    query = home_timeline_query(
        viewer_id=viewer_id, page=page, lateral=lateral, reply_filter=reply_filter
    )
    rows = (await conn.execute(query)).mappings().all()
    return in_page_order(list(rows), page)


def home_timeline_query(
    *, viewer_id: int, page: Page, lateral: bool, reply_filter: bool = True
) -> Select[Any]:
    """The home timeline as one SELECT of full ``statuses`` rows, in paging order.

    A status is on the viewer's home timeline when it is

    - the viewer's own status or reblog;
    - a status or reblog by an account the viewer follows (reblogs only while that
      follow's ``show_reblogs`` is on);
    - a private or direct status that mentions the viewer, by anyone;
    - a public status (not a reblog) by someone else carrying a hashtag the viewer
      follows (Mastodon's ``deliver_to_hashtag_followers``); as ``FeedManager#filter_from_tags?``
      the reply rule below does not apply to it (the other filters do);

    and it passes ``visible_to(viewer)`` (blocks either way, including the author of
    a reblogged status) and Mastodon's home filters (``FeedManager#filter_from_home?``),
    which never apply to the viewer's own statuses:

    - its author, the author of the status it reblogs, or an account it mentions is
      muted by the viewer (or, for mentions, blocked by the viewer);
    - it is a reply to someone the viewer does not follow, unless it replies to the
      viewer, to its own author (a thread), or mentions the viewer.

    Shape: the followed accounts plus the viewer drives one range scan of the ``(account_id, id)``
    index per author (LATERAL with a per-author LIMIT when ``lateral``, for
    PostgreSQL); the mention branch is a range scan of ``mentions (account_id,
    status_id)``; the followed-tags branch is a semi-join of ``status_tags`` with the
    viewer's ``tag_follows``. The branches are paged the same way and merged by id (they
    are disjoint: the tag branch leaves out what the followed branch brings).

    ``reply_filter=False`` leaves out the reply rule, which depends on whom the viewer
    follows: the timeline engine rebuilds its stored candidates that way, so that a
    later follow makes earlier replies appear without another rebuild (it applies the
    rule when reading).
    """
    followed = _followed_branch(
        viewer_id=viewer_id, page=page, lateral=lateral, reply_filter=reply_filter
    ).subquery()
    mentioned = _mentioned_branch(
        viewer_id=viewer_id, page=page, reply_filter=reply_filter
    ).subquery()
    tagged = _followed_tags_branch(viewer_id=viewer_id, page=page, reply_filter=reply_filter)
    merged = union_all(select(followed), select(mentioned), select(tagged.subquery())).subquery(
        "home"
    )
    return paginate(select(merged), merged.c.id, page)


def _followed_branch(
    *, viewer_id: int, page: Page, lateral: bool, reply_filter: bool = True
) -> Select[Any]:
    """Statuses and reblogs by the viewer and by the accounts the viewer follows."""
    authors = union_all(
        select(
            follows.c.target_account_id.label("author_id"),
            follows.c.show_reblogs.label("show_reblogs"),
        ).where(follows.c.account_id == viewer_id),
        select(
            literal(viewer_id, BigInteger).label("author_id"),
            true().label("show_reblogs"),
        ),
    ).subquery("home_authors")
    conditions = (
        or_(statuses.c.reblog_of_id.is_(None), authors.c.show_reblogs == true()),
        visible_to(viewer_id),
        or_(statuses.c.account_id == viewer_id, _passes_home_filters(viewer_id, reply_filter)),
    )
    if lateral:
        per_author = paginate(
            select(statuses).where(statuses.c.account_id == authors.c.author_id, *conditions),
            statuses.c.id,
            page,
        ).lateral("home_rows")
        joined = authors.join(per_author, true())
        return paginate(select(per_author).select_from(joined), per_author.c.id, page)
    joined = authors.join(statuses, statuses.c.account_id == authors.c.author_id)
    return paginate(select(statuses).select_from(joined).where(*conditions), statuses.c.id, page)


def _mentioned_branch(*, viewer_id: int, page: Page, reply_filter: bool = True) -> Select[Any]:
    """Private and direct statuses mentioning the viewer, by accounts not already covered."""
    follows_author = (
        exists()
        .where(
            follows.c.account_id == viewer_id,
            follows.c.target_account_id == statuses.c.account_id,
        )
        .correlate(statuses)
    )
    query = (
        select(statuses)
        .select_from(mentions.join(statuses, statuses.c.id == mentions.c.status_id))
        .where(
            mentions.c.account_id == viewer_id,
            statuses.c.visibility.in_(LIMITED_VISIBILITIES),
            statuses.c.account_id != viewer_id,
            not_(follows_author),
            visible_to(viewer_id),
            _passes_home_filters(viewer_id, reply_filter),
        )
    )
    return paginate(query, mentions.c.status_id, page)


def _followed_tags_branch(*, viewer_id: int, page: Page, reply_filter: bool = True) -> Select[Any]:
    """Public statuses (no reblogs) by others carrying a hashtag the viewer follows.

    A status by a followed account is left to the followed branch, except a reply that
    branch's reply rule drops (the tag brings it all the same, as in Mastodon).
    """
    follows_author = (
        exists()
        .where(
            follows.c.account_id == viewer_id,
            follows.c.target_account_id == statuses.c.account_id,
        )
        .correlate(statuses)
    )
    followed_tag_statuses = (
        select(status_tags.c.status_id)
        .select_from(status_tags.join(tag_follows, tag_follows.c.tag_id == status_tags.c.tag_id))
        .where(tag_follows.c.account_id == viewer_id)
    )
    left_to_followed_branch = (
        and_(follows_author, _reply_allowed(viewer_id)) if reply_filter else follows_author
    )
    query = select(statuses).where(
        statuses.c.id.in_(followed_tag_statuses),
        statuses.c.visibility == "public",
        statuses.c.reblog_of_id.is_(None),
        statuses.c.account_id != viewer_id,
        not_(left_to_followed_branch),
        visible_to(viewer_id),
        _passes_home_filters(viewer_id, reply_filter=False),
    )
    return paginate(query, statuses.c.id, page)


def _passes_home_filters(viewer_id: int, reply_filter: bool = True) -> ColumnElement[bool]:
    """Mastodon's home filters for a status row by someone else (see home_timeline_query)."""
    original = statuses.alias("home_original")
    original_author_muted = (
        select(original.c.id)
        .where(original.c.id == statuses.c.reblog_of_id, _mutes(viewer_id, original.c.account_id))
        .correlate(statuses)
        .exists()
    )
    mention = mentions.alias("home_mention")
    mentions_excluded = (
        select(mention.c.id)
        .where(
            or_(
                mention.c.status_id == statuses.c.id,
                mention.c.status_id == statuses.c.reblog_of_id,
            ),
            or_(
                _mutes(viewer_id, mention.c.account_id),
                _blocks(viewer_id, mention.c.account_id),
            ),
        )
        .correlate(statuses)
        .exists()
    )
    conditions = [
        not_(_mutes(viewer_id, statuses.c.account_id)),
        not_(original_author_muted),
        not_(mentions_excluded),
    ]
    if reply_filter:
        conditions.append(_reply_allowed(viewer_id))
    return and_(*conditions)


def _reply_allowed(viewer_id: int) -> ColumnElement[bool]:
    """Not a reply, or a reply to the viewer, to its own author, to a followed account,
    or one that mentions the viewer."""
    follows_reply_target = (
        exists()
        .where(
            follows.c.account_id == viewer_id,
            follows.c.target_account_id == statuses.c.in_reply_to_account_id,
        )
        .correlate(statuses)
    )
    mention = mentions.alias("viewer_mention")
    mentions_viewer = (
        exists()
        .where(mention.c.account_id == viewer_id, mention.c.status_id == statuses.c.id)
        .correlate(statuses)
    )
    return or_(
        statuses.c.in_reply_to_id.is_(None),
        statuses.c.in_reply_to_account_id == viewer_id,
        statuses.c.in_reply_to_account_id == statuses.c.account_id,
        follows_reply_target,
        mentions_viewer,
    )


def _mutes(viewer_id: int, account_id: ColumnElement[Any]) -> ColumnElement[bool]:
    return exists().where(mutes.c.account_id == viewer_id, mutes.c.target_account_id == account_id)


def _blocks(viewer_id: int, account_id: ColumnElement[Any]) -> ColumnElement[bool]:
    return exists().where(
        blocks.c.account_id == viewer_id, blocks.c.target_account_id == account_id
    )


def _public_conditions(viewer_id: int | None) -> list[ColumnElement[bool]]:
    """Public, not a reblog, visible to the viewer, author not muted by the viewer."""
    conditions: list[ColumnElement[bool]] = [
        statuses.c.visibility == "public",
        statuses.c.reblog_of_id.is_(None),
        visible_to(viewer_id),
    ]
    if viewer_id is not None:
        conditions.append(not_(_mutes(viewer_id, statuses.c.account_id)))
    return conditions


async def public_timeline(
    conn: AsyncConnection, *, viewer_id: int | None, page: Page, only_media: bool = False
) -> list[RowMapping]:
    """One page of the public timeline, newest first.

    As Mastodon's ``PublicFeed``: public statuses only, no reblogs, and no replies
    except self-replies (threads); a range scan of ``statuses (visibility, id)``.
    """
    query = select(statuses).where(
        *_public_conditions(viewer_id),
        or_(
            statuses.c.in_reply_to_id.is_(None),
            statuses.c.in_reply_to_account_id == statuses.c.account_id,
        ),
    )
    if only_media:
        query = query.where(status_has_media(statuses.c.id))
    rows = (await conn.execute(paginate(query, statuses.c.id, page))).mappings().all()
    return in_page_order(list(rows), page)


async def tag_ids(conn: AsyncConnection, name_keys: Sequence[str]) -> dict[str, int]:
    """Tag ids by lower-cased name, for the names that exist."""
    if not name_keys:
        return {}
    query = select(tags.c.name_key, tags.c.id).where(tags.c.name_key.in_(set(name_keys)))
    return {row.name_key: row.id for row in await conn.execute(query)}


async def tag_timeline(
    conn: AsyncConnection,
    *,
    viewer_id: int | None,
    any_of: Sequence[int],
    all_of: Sequence[int],
    none_of: Sequence[int],
    page: Page,
    only_media: bool = False,
) -> list[RowMapping]:
    """One page of public statuses carrying any of ``any_of``, all of ``all_of`` and
    none of ``none_of`` (tag ids), newest first; replies included, as Mastodon's ``TagFeed``.

    The ``any_of`` test reads the ``status_tags (tag_id, status_id)`` primary key.
    """
    tagged_any = statuses.c.id.in_(
        select(status_tags.c.status_id).where(status_tags.c.tag_id.in_(list(any_of)))
    )
    conditions = [*_public_conditions(viewer_id), tagged_any]
    if only_media:
        conditions.append(status_has_media(statuses.c.id))
    for tag_id in all_of:
        conditions.append(
            exists().where(status_tags.c.status_id == statuses.c.id, status_tags.c.tag_id == tag_id)
        )
    if none_of:
        conditions.append(
            not_(
                exists().where(
                    status_tags.c.status_id == statuses.c.id,
                    status_tags.c.tag_id.in_(list(none_of)),
                )
            )
        )
    query = paginate(select(statuses).where(*conditions), statuses.c.id, page)
    rows = (await conn.execute(query)).mappings().all()
    return in_page_order(list(rows), page)

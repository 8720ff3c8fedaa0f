"""Who may see which status: one SQL expression every status query filters with.

Notes on design: visibility is decided in the database, as a boolean expression
over the ``statuses`` row with correlated EXISTS subqueries, rather than by
loading rows and filtering in Python. A page query then stays one index range
scan plus point lookups on the unique (account_id, target_account_id) indexes of
``follows`` and ``blocks`` and the (account_id, status_id) index of ``mentions``,
and a page is never short because rows were dropped after the LIMIT.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from roost.accounts.schema import blocks, follows
from roost.statuses.schema import mentions, statuses

OPEN_VISIBILITIES = ("public", "unlisted")


def visible_to(viewer_account_id: int | None) -> ColumnElement[bool]:
    """SQL boolean over the ``statuses`` table: may ``viewer_account_id`` see this status row?

    Contract (the timelines code relies on it):

    - ``public`` and ``unlisted`` statuses are visible to everyone;
    - ``private`` statuses to their author, the author's followers and the accounts
      mentioned in them;
    - ``direct`` statuses to their author and the accounts mentioned in them;
    - never a status whose author blocks the viewer, or whose author the viewer blocks;
    - for a reblog row, the same block rule also applies to the author of the
      reblogged status (a reblog of a blocked account's status is hidden);
    - an anonymous viewer (``None``) sees only ``public`` and ``unlisted`` statuses.

    The expression uses correlated EXISTS subqueries on ``follows``, ``mentions`` and
    ``blocks``; use it in the WHERE clause of a query that selects FROM ``statuses``
    (the table itself, not an alias). Mutes are not part of visibility.
    """
    if viewer_account_id is None:
        return statuses.c.visibility.in_(OPEN_VISIBILITIES)
    return and_(
        _audience_includes(viewer_account_id),
        not_(_blocked_either_way(statuses.c.account_id, viewer_account_id)),
        not_(_reblogged_author_blocked(viewer_account_id)),
    )


def _audience_includes(viewer: int) -> ColumnElement[bool]:
    """The visibility rule proper: open, own, followed (private) or mentioned."""
    follows_author = (
        exists()
        .where(
            follows.c.account_id == viewer,
            follows.c.target_account_id == statuses.c.account_id,
        )
        .correlate(statuses)
    )
    mentioned = (
        exists()
        .where(mentions.c.account_id == viewer, mentions.c.status_id == statuses.c.id)
        .correlate(statuses)
    )
    return or_(
        statuses.c.visibility.in_(OPEN_VISIBILITIES),
        statuses.c.account_id == viewer,
        and_(statuses.c.visibility == "private", follows_author),
        and_(statuses.c.visibility.in_(("private", "direct")), mentioned),
    )


def _blocked_either_way(author: ColumnElement[int], viewer: int) -> ColumnElement[bool]:
    """A block from the author to the viewer or from the viewer to the author."""
    author_blocks_viewer = exists().where(
        blocks.c.account_id == author, blocks.c.target_account_id == viewer
    )
    viewer_blocks_author = exists().where(
        blocks.c.account_id == viewer, blocks.c.target_account_id == author
    )
    return or_(author_blocks_viewer, viewer_blocks_author)


def _reblogged_author_blocked(viewer: int) -> ColumnElement[bool]:
    """For reblog rows: a block between the viewer and the reblogged status's author."""
    original = statuses.alias("reblogged_original")
    blocked = (
        select(original.c.id)
        .where(
            original.c.id == statuses.c.reblog_of_id,
            _blocked_either_way(original.c.account_id, viewer),
        )
        .correlate(statuses)
        .exists()
    )
    return and_(statuses.c.reblog_of_id.is_not(None), blocked)

"""Home timelines in the database: the embedded twin of ``redis_store``.

Notes on design: same semantics as the Redis store (see ``store``): a ``home_feeds``
row marks that a timeline exists and carries its floor and size; entries are
(account_id, status_id) rows, so a redelivery is a primary-key conflict that changes
nothing. One delivery to a batch is three statements whatever the batch size (insert
the rows with INSERT ... SELECT ... RETURNING, bump the sizes, find the few timelines
past cap+slack); trimming then runs only for those. Plain SQL: it runs on SQLite
(embedded) and PostgreSQL alike, though the scaled deployment uses Redis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, delete, exists, func, literal, not_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import Database
from roost.db.metadata import utcnow
from roost.timelines.schema import home_feed_entries, home_feeds
from roost.timelines.store import Delivery, Window, trim, trim_slack


class SqlTimelineStore:
    def __init__(self, db: Database, *, cap: int, falloff: int) -> None:
        self.db = db
        self.cap = cap
        self.falloff = falloff

    def _insert(self) -> Any:
        dialect = sqlite if self.db.is_sqlite else postgresql
        return dialect.insert(home_feed_entries)

    async def read(self, account_id: int) -> Window | None:
        async with self.db.read() as conn:
            return await self.read_in(conn, account_id)

    async def read_in(self, conn: AsyncConnection, account_id: int) -> Window | None:
        """The timeline in one query (the marker row outer-joined to its entries)."""
        query = (
            select(home_feeds.c.floor_id, home_feed_entries.c.status_id)
            .select_from(
                home_feeds.outerjoin(
                    home_feed_entries,
                    and_(
                        home_feed_entries.c.account_id == home_feeds.c.account_id,
                        home_feed_entries.c.status_id > home_feeds.c.floor_id,
                    ),
                )
            )
            .where(home_feeds.c.account_id == account_id)
            .order_by(home_feed_entries.c.status_id.desc())
        )
        rows = (await conn.execute(query)).all()
        if not rows:
            return None
        return Window(ids=[row[1] for row in rows if row[1] is not None], floor=rows[0][0])

    async def deliver(self, delivery: Delivery, account_ids: Sequence[int]) -> int:
        if not account_ids:
            return 0
        targets = set(account_ids)
        conditions = [
            home_feeds.c.account_id.in_(targets),
            home_feeds.c.floor_id < delivery.status_id,
        ]
        if delivery.reblog_of_id is not None and self.falloff > 0:
            newer_entries = home_feed_entries.alias("newer_entries")
            original = home_feed_entries.alias("original_entry")
            newer = (
                select(func.count())
                .where(
                    newer_entries.c.account_id == home_feeds.c.account_id,
                    newer_entries.c.status_id > delivery.reblog_of_id,
                )
                .correlate(home_feeds)
                .scalar_subquery()
            )
            near_top = exists().where(
                original.c.account_id == home_feeds.c.account_id,
                original.c.status_id == delivery.reblog_of_id,
                newer < self.falloff,
            )
            conditions.append(not_(near_top))
        rows = select(home_feeds.c.account_id, literal(delivery.status_id)).where(*conditions)
        statement = (
            self._insert()
            .from_select(["account_id", "status_id"], rows)
            .on_conflict_do_nothing()
            .returning(home_feed_entries.c.account_id)
        )
        async with self.db.write() as conn:
            inserted = list((await conn.execute(statement)).scalars())
            if not inserted:
                return 0
            await conn.execute(
                update(home_feeds)
                .where(home_feeds.c.account_id.in_(inserted))
                .values(size=home_feeds.c.size + 1)
            )
            full = (
                await conn.execute(
                    select(home_feeds.c.account_id).where(
                        home_feeds.c.account_id.in_(inserted),
                        home_feeds.c.size > self.cap + trim_slack(self.cap),
                    )
                )
            ).scalars()
            for account_id in list(full):
                await self._trim(conn, account_id)
        return len(inserted)

    async def _trim(self, conn: AsyncConnection, account_id: int) -> None:
        """Keep the newest ``cap`` entries; the floor rises to the newest one dropped."""
        cutoff = (
            await conn.execute(
                select(home_feed_entries.c.status_id)
                .where(home_feed_entries.c.account_id == account_id)
                .order_by(home_feed_entries.c.status_id.desc())
                .offset(self.cap)
                .limit(1)
            )
        ).scalar()
        if cutoff is None:
            return
        await conn.execute(
            delete(home_feed_entries).where(
                home_feed_entries.c.account_id == account_id,
                home_feed_entries.c.status_id <= cutoff,
            )
        )
        await conn.execute(
            update(home_feeds)
            .where(home_feeds.c.account_id == account_id)
            .values(floor_id=func.max(home_feeds.c.floor_id, cutoff) if self.db.is_sqlite
                    else func.greatest(home_feeds.c.floor_id, cutoff), size=self.cap)
        )  # fmt: skip

    async def remove(self, status_ids: Sequence[int], account_ids: Sequence[int]) -> None:
        if not status_ids or not account_ids:
            return
        async with self.db.write() as conn:
            removed = (
                await conn.execute(
                    delete(home_feed_entries)
                    .where(
                        home_feed_entries.c.account_id.in_(set(account_ids)),
                        home_feed_entries.c.status_id.in_(set(status_ids)),
                    )
                    .returning(home_feed_entries.c.account_id)
                )
            ).scalars()
            counts: dict[int, int] = {}
            for account_id in removed:
                counts[account_id] = counts.get(account_id, 0) + 1
            for account_id, count in counts.items():
                await conn.execute(
                    update(home_feeds)
                    .where(home_feeds.c.account_id == account_id)
                    .values(size=home_feeds.c.size - count)
                )

    async def replace(self, account_id: int, window: Window, *, keep_after: int) -> None:
        async with self.db.write() as conn:
            current = await self.read_in(conn, account_id)
            ids = set(window.ids)
            if current is not None:
                ids.update(i for i in current.ids if i > keep_after and i > window.floor)
            kept, floor = trim(sorted(ids), window.floor, self.cap)
            await self._write(conn, account_id, Window(ids=kept, floor=floor))

    async def merge(self, account_id: int, status_ids: Iterable[int]) -> None:
        new = list(status_ids)
        async with self.db.write() as conn:
            current = await self.read_in(conn, account_id)
            if current is None:
                return
            ids = set(current.ids)
            ids.update(i for i in new if i > current.floor)
            kept, floor = trim(sorted(ids), current.floor, self.cap)
            await self._write(conn, account_id, Window(ids=kept, floor=floor))

    async def _write(self, conn: AsyncConnection, account_id: int, window: Window) -> None:
        await conn.execute(
            delete(home_feed_entries).where(home_feed_entries.c.account_id == account_id)
        )
        await conn.execute(delete(home_feeds).where(home_feeds.c.account_id == account_id))
        await conn.execute(
            home_feeds.insert().values(
                account_id=account_id,
                floor_id=window.floor,
                size=len(window.ids),
                built_at=utcnow(),
            )
        )
        if window.ids:
            await conn.execute(
                home_feed_entries.insert(),
                [{"account_id": account_id, "status_id": i} for i in window.ids],
            )

    async def drop(self, account_ids: Sequence[int]) -> None:
        if not account_ids:
            return
        targets = set(account_ids)
        async with self.db.write() as conn:
            await conn.execute(
                delete(home_feed_entries).where(home_feed_entries.c.account_id.in_(targets))
            )
            await conn.execute(delete(home_feeds).where(home_feeds.c.account_id.in_(targets)))

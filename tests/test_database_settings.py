"""Connection settings Roost relies on, checked on real connections."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from roost.db import Database


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgres_connections_run_without_jit(db: Database) -> None:
    # JIT compilation cost ~800 ms on the home reference query, whose execution takes ~25 ms.
    async with db.read() as conn:
        assert (await conn.execute(text("SHOW jit"))).scalar() == "off"


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_connections_use_wal_and_foreign_keys(db: Database) -> None:
    async with db.read() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1

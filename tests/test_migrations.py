"""The migration history builds, from nothing, exactly the schema the code declares.

Runs on a fresh SQLite file and on a fresh PostgreSQL database created and dropped
for each test (``empty_postgres_url``), never on the shared fixtures' databases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from roost.migrations.runner import current_revision, head_revision, upgrade_to_head
from roost.search.schema import include_name
from roost.tables import metadata

T = TypeVar("T")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The async driver URL of an empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    plain: str = request.getfixturevalue("empty_postgres_url")
    return "postgresql+asyncpg://" + plain.removeprefix("postgresql://")


def _inspect_live(url: str, look: Callable[[Connection], T]) -> T:
    """Run ``look`` on a synchronous view of the live database."""

    async def run() -> T:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _schema_diff(sync_conn: Connection) -> list[Any]:
    """Alembic's autogenerate comparison of the live database with ``metadata``."""
    context = MigrationContext.configure(
        sync_conn, opts={"compare_type": True, "include_name": include_name}
    )
    return list(compare_metadata(context, metadata))


def _tables_and_indexes(sync_conn: Connection) -> dict[str, set[str]]:
    inspector = inspect(sync_conn)
    return {
        table: {index["name"] for index in inspector.get_indexes(table) if index["name"]}
        for table in inspector.get_table_names()
    }


def test_empty_database_upgrades_to_head(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    assert asyncio.run(current_revision(empty_database)) == head_revision()


def test_migrated_schema_matches_the_declared_tables(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    assert _inspect_live(empty_database, _schema_diff) == []


def test_every_declared_table_and_index_exists_after_migrating(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    found = _inspect_live(empty_database, _tables_and_indexes)
    assert "alembic_version" in found
    for table in metadata.sorted_tables:
        assert table.name in found, f"table {table.name} was not created"
        for index in table.indexes:
            assert index.name in found[table.name], f"index {index.name} missing"


def test_upgrading_twice_changes_nothing(empty_database: str) -> None:
    upgrade_to_head(empty_database)
    upgrade_to_head(empty_database)
    assert asyncio.run(current_revision(empty_database)) == head_revision()
    assert _inspect_live(empty_database, _schema_diff) == []


def test_a_schema_drifting_from_the_code_is_detected(tmp_path: Path) -> None:
    """The comparison above can fail: an index the database lacks shows up as a diff."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'drift.sqlite3'}"
    upgrade_to_head(url)

    def drop_an_index_and_compare(sync_conn: Connection) -> list[Any]:
        index = next(iter(next(t for t in metadata.sorted_tables if t.indexes).indexes))
        sync_conn.exec_driver_sql(f'DROP INDEX "{index.name}"')
        return _schema_diff(sync_conn)

    diff = _inspect_live(url, drop_an_index_and_compare)
    assert [entry[0] for entry in diff] == ["add_index"]

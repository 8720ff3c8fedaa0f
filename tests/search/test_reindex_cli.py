"""``roost admin reindex-search`` run as the real command on an embedded data folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.server import roost_env, run_roost


def test_reindex_search_indexes_statuses_the_worker_never_saw(tmp_path: Path) -> None:
    env = roost_env(tmp_path / "data")
    created = run_roost(
        "admin", "create-account", "ann", "--email", "ann@example.com",
        "--password", "long-enough-password", env=env, cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    account_id = int(created.stdout.strip())
    database = tmp_path / "data" / "roost.sqlite3"
    connection = sqlite3.connect(database)
    try:
        with connection:
            connection.execute(
                "INSERT INTO statuses (id, account_id, text, visibility, created_at)"
                " VALUES (1, ?, 'written behind the worker''s back', 'public', '2026-01-01')",
                (account_id,),
            )
        assert connection.execute("SELECT count(*) FROM status_search").fetchone() == (0,)
    finally:
        connection.close()

    done = run_roost("admin", "reindex-search", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Indexed 1 status" in done.stdout
    connection = sqlite3.connect(database)
    try:
        found = connection.execute(
            "SELECT rowid FROM status_search WHERE status_search MATCH 'worker'"
        ).fetchall()
    finally:
        connection.close()
    assert found == [(1,)]
